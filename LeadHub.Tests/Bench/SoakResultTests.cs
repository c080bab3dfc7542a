using LeadHub.Bench;

namespace LeadHub.Tests.Bench;

// The soak's verdict goes by the second half: a node that levels off after its first minutes is
// not growing; one that keeps climbing is.
public sealed class SoakResultTests
{
    private static IReadOnlyList<StepResult> Samples(Func<int, double> mbAt) =>
        [.. Enumerable.Range(0, 60).Select(i => new StepResult { Phase = "soak", DurationSeconds = 10, EndWorkingSetMb = mbAt(i), PeakWorkingSetMb = mbAt(i) })];

    [Fact]
    public void Working_set_that_climbs_then_levels_off_is_not_growing()
    {
        // 330 MB rising to 455 MB over the first 5 minutes, then flat with ±5 MB of collections.
        var soak = SoakResult.Of(570, Samples(i => i < 30 ? 330 + i * 125.0 / 30 : 455 + (i % 2 == 0 ? 5 : -5)));

        Assert.True(soak.SlopeMbPerMinute > 5, "the whole run climbs");
        Assert.InRange(soak.LaterSlopeMbPerMinute, -1, 1);
    }

    [Fact]
    public void Working_set_that_keeps_climbing_is_growing()
    {
        var soak = SoakResult.Of(570, Samples(i => 330 + i * 2.0));   // 12 MB a minute, all along

        Assert.InRange(soak.LaterSlopeMbPerMinute, 11.9, 12.1);
    }
}
