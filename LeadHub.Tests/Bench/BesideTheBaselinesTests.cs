using LeadHub.Bench;

namespace LeadHub.Tests.Bench;

// The targets are ratios to a baseline that stores nothing; the report also sets LeadHub beside the
// storing baseline and beside the baseline's own overhead, so a reader of one run can tell what
// keeping each lead costs from what the engine adds, and where this machine's floor is.
public sealed class BesideTheBaselinesTests
{
    [Fact]
    public void All_measures_the_storing_baseline_unless_the_baselines_are_turned_off()
    {
        Assert.True(BenchOptions.Parse(["--all"]).StoringBaseline);
        Assert.False(BenchOptions.Parse(["--all", "--no-baseline"]).StoringBaseline);
        Assert.False(BenchOptions.Parse(["--closed-loop", "32"]).StoringBaseline);
        Assert.True(BenchOptions.Parse(["--closed-loop", "32", "--baseline-store"]).StoringBaseline);
    }

    [Fact]
    public void The_targets_are_followed_by_LeadHub_beside_the_storing_baseline_and_the_baselines_own_overhead()
    {
        var report = new BenchReport
        {
            Options = BenchOptions.Parse(["--all"]),
            LeadHub = Target("LeadHub", closedLoop: 2200, maxKeptUp: 1700, lowP50: 2.82, lowP99: 4.06),
            Baseline = Target("Baseline", closedLoop: 3400, maxKeptUp: 2200, lowP50: 1.44, lowP99: 2.58),
            StoringBaseline = Target("BaseStore", closedLoop: 2750, maxKeptUp: 2000, lowP50: 2.0, lowP99: 3.0),
        };

        var printed = Report.Targets(report);

        Assert.StartsWith("0.65", Measured(printed, "closed loop, instant buyers, ≥ 0.8 × baseline"));
        var beside = printed[printed.IndexOf("Beside the baselines", StringComparison.Ordinal)..];
        Assert.Equal("0.80", Measured(beside, "closed loop, instant buyers, × storing baseline"));
        Assert.Equal("0.85", Measured(beside, "warm max rate, open loop, × storing baseline"));
        Assert.StartsWith("p50 +1.38 ms, p99 +1.48 ms (baseline p50 1.44 ms at 25/s", Measured(beside, "overhead at the low rate, LeadHub − baseline"));
    }

    [Fact]
    public void Without_the_storing_baseline_its_ratios_say_how_to_get_them()
    {
        var report = new BenchReport
        {
            Options = BenchOptions.Parse(["--all", "--no-baseline"]),
            LeadHub = Target("LeadHub", closedLoop: 2200, maxKeptUp: 1700, lowP50: 2.82, lowP99: 4.06),
        };

        var beside = Report.BesideTheBaselines(report);

        Assert.Equal("n/a (--baseline-store)", Measured(beside, "closed loop, instant buyers, × storing baseline"));
        Assert.Equal("n/a", Measured(beside, "overhead at the low rate, LeadHub − baseline"));
    }

    // What a report line says after its label.
    private static string Measured(string printed, string label) =>
        printed.Split('\n').Single(l => l.TrimStart().StartsWith(label, StringComparison.Ordinal)).Trim()[label.Length..].Trim();

    private static TargetResult Target(string name, double closedLoop, double maxKeptUp, double lowP50, double lowP99) => new()
    {
        Target = name,
        MaxKeptUpRate = maxKeptUp,
        ClosedLoop = new StepResult { Target = name, Phase = "warm", Connections = 32, AchievedRate = closedLoop },
        Low = new StepResult { Target = name, Phase = "low", OfferedRate = 25, Overhead = new LatencySummary(lowP50, 0, lowP99, 0, 0) },
    };
}
