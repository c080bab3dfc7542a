using LeadHub.Bench;
using Xunit.Abstractions;

namespace LeadHub.Tests.Bench;

// A few seconds of the real bench (buyer fleet, LeadHub as a child process, baseline service) so
// the bench cannot rot. Its numbers depend on the machine: printed, never asserted.
public sealed class BenchSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Short_bench_runs_against_LeadHub_and_the_baseline_and_reports()
    {
        var json = Path.Combine(Path.GetTempPath(), $"leadhub-bench-{Guid.NewGuid():N}.json");
        var timeline = Path.ChangeExtension(json, ".timeline.txt");
        var report = await RunPrintedAsync(new BenchOptions
        {
            Rate = 50, DurationSeconds = 3, WarmupSeconds = 1, PauseSeconds = 0,
            Buyers = 4, LatencyMeanMs = 20, LatencySdMs = 5,
            Baseline = true, JsonPath = json, TimelinePath = timeline, Attempts = 1, NodeWarmUpSeconds = 1,
        }, output);

        try
        {
            Assert.True(report.LeadHub!.Steps.Single(s => s.Phase == "run").Answered > 0, "LeadHub answered no lead");
            Assert.True(report.Baseline!.Steps.Single(s => s.Phase == "run").Answered > 0, "the baseline answered no lead");
            Assert.True(new FileInfo(json).Length > 0, "no JSON report");
            // The per-second timeline accounts for every answer of each step (what lines a stall up with a node's counters).
            var lines = File.ReadAllLines(timeline);
            foreach (var target in new[] { report.LeadHub!, report.Baseline! })
            {
                var run = target.Steps.Single(s => s.Phase == "run");
                var answered = lines.Select(l => l.Split(' ')).Where(f => f[1] == run.Target && f[2] == "run").Sum(f => long.Parse(f[4]));
                Assert.Equal(run.Answered, answered);
                // Printed to the microsecond the step counted in, so the two agree even at the bound.
                var stalled = lines.Select(l => l.Split(' ')).Count(f => f[1] == run.Target && f[2] == "run"
                    && double.Parse(f[8], System.Globalization.CultureInfo.InvariantCulture) > StepResult.StallMs);
                Assert.Equal(stalled, run.StalledSeconds);
            }
        }
        finally
        {
            File.Delete(json);
            File.Delete(timeline);
        }
    }

    // The bench's report as it printed it goes to the test's output, whether the run passed or threw.
    public static async Task<BenchReport> RunPrintedAsync(BenchOptions options, ITestOutputHelper output)
    {
        var log = new StringWriter();
        try
        {
            return await BenchRunner.RunAsync(options, log);
        }
        finally
        {
            output.WriteLine(log.ToString());
        }
    }
}
