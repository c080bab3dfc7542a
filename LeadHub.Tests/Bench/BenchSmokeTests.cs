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

    [Fact]
    public async Task An_AB_run_loads_both_nodes_in_turn_and_prints_B_over_A_round_by_round()
    {
        var ab = await ShortAbAsync(TwoRounds with { AbEnvironment = new Dictionary<string, string> { ["LeadHub__Note"] = "b" } }, "A");
        // Each node is loaded on its own: what a node was sent in the first round is what it held before the second.
        Assert.Equal(ab.Rounds[0].A.Sent, ab.Rounds[1].A.LeadsBefore);
        Assert.Equal(ab.Rounds[0].B.Sent, ab.Rounds[1].B.LeadsBefore);
        Assert.Contains("B / A leads/s: mean", ab.Summary());
    }

    [Fact]
    public async Task An_AB_run_against_the_baseline_loads_it_and_LeadHub_in_turn_so_B_over_A_is_LeadHubs_ratio_to_it()
    {
        var ab = await ShortAbAsync(TwoRounds with { AbBaseline = AbAgainst.Baseline }, "Baseline");

        Assert.Contains("B / A leads/s: mean", ab.Summary());
    }

    private static readonly BenchOptions TwoRounds = new()
    {
        Ab = true, AbRounds = 2, ClosedLoop = 4, DurationSeconds = 1, WarmupSeconds = 0, PauseSeconds = 0,
        Buyers = 2, LatencyMeanMs = 0, LatencySdMs = 0, Baseline = false, NodeWarmUpSeconds = 1,
    };

    // Two short rounds: each round loads A (named `a`) and B, and both sell every lead they are sent.
    private async Task<AbResult> ShortAbAsync(BenchOptions options, string a)
    {
        var ab = (await RunPrintedAsync(options, output)).Ab!;
        Assert.Equal(2, ab.Rounds.Count);
        Assert.All(ab.Rounds, r =>
        {
            Assert.Equal((a, "B"), (r.A.Target, r.B.Target));
            Assert.True(r.A.Sold > 0 && r.B.Sold > 0, "A or B sold no lead");
            Assert.Equal(0, r.A.Errors + r.B.Errors);
        });
        return ab;
    }

    [Fact]
    public void The_AB_interval_holds_1_for_rounds_that_scatter_around_it_and_not_for_a_steady_change()
    {
        Assert.InRange(1.0, 1.0 - AbResult.HalfInterval([0.9, 1.1, 0.95, 1.05]), 1.0 + AbResult.HalfInterval([0.9, 1.1, 0.95, 1.05]));
        var steady = new[] { 1.10, 1.12, 1.09, 1.11 };
        Assert.True(steady.Average() - AbResult.HalfInterval(steady) > 1.0);
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
