using LeadHub.Bench;

namespace LeadHub.Tests.Bench;

// A stall (a second in which some answer's overhead passed 1 s) is named in the summary, step by step,
// so a missed target can be told from a slow draw of the machine.
public sealed class StallReportTests
{
    [Fact]
    public void Steps_with_stalled_seconds_are_named_in_the_summary_and_quiet_ones_are_not()
    {
        var report = new BenchReport
        {
            LeadHub = new TargetResult
            {
                Target = "LeadHub",
                Steps =
                [
                    new StepResult { Target = "LeadHub", Phase = "warmup", OfferedRate = 200 },
                    new StepResult { Target = "LeadHub", Phase = "run", OfferedRate = 450, StalledSeconds = 3 },
                    new StepResult { Target = "LeadHub", Phase = "closed", Connections = 32, StalledSeconds = 1 },
                ],
            },
        };

        var line = Report.Summary(report).Split('\n').Single(l => l.Contains("stalled seconds"));

        Assert.Contains("run 450/s 3", line);
        Assert.Contains("closed 32 conn 1", line);
        Assert.DoesNotContain("warmup", line);
    }

    [Fact]
    public void A_run_without_stalls_prints_no_stall_line()
    {
        var report = new BenchReport
        {
            LeadHub = new TargetResult { Target = "LeadHub", Steps = [new StepResult { Target = "LeadHub", Phase = "run", OfferedRate = 450 }] },
        };

        Assert.DoesNotContain("stalled seconds", Report.Summary(report));
    }
}
