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
        var log = new StringWriter();
        BenchReport report;
        try
        {
            report = await BenchRunner.RunAsync(new BenchOptions
            {
                Rate = 50, DurationSeconds = 3, WarmupSeconds = 1, PauseSeconds = 0,
                Buyers = 4, LatencyMeanMs = 20, LatencySdMs = 5,
                Baseline = true, JsonPath = json, Attempts = 1, NodeWarmUpSeconds = 1,
            }, log);
        }
        finally
        {
            output.WriteLine(log.ToString());
        }

        try
        {
            Assert.True(report.LeadHub!.Steps.Single(s => s.Phase == "run").Answered > 0, "LeadHub answered no lead");
            Assert.True(report.Baseline!.Steps.Single(s => s.Phase == "run").Answered > 0, "the baseline answered no lead");
            Assert.True(new FileInfo(json).Length > 0, "no JSON report");
        }
        finally
        {
            File.Delete(json);
        }
    }
}
