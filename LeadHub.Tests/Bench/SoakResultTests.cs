using LeadHub.Bench;

namespace LeadHub.Tests.Bench;

// The soak's verdict goes by the level the working set returns to after each fall (a full
// collection handing memory back): a node whose floors hold is not growing, however it climbs
// between collections; one whose floors rise is. With fewer than two falls the second half's
// slope decides: a node that levels off after its first minutes is not growing.
public sealed class SoakResultTests
{
    private static IReadOnlyList<StepResult> Samples(Func<int, double> mbAt, int count = 60) =>
        [.. Enumerable.Range(0, count).Select(i => new StepResult { Phase = "soak", DurationSeconds = 10, EndWorkingSetMb = mbAt(i), PeakWorkingSetMb = mbAt(i) })];

    private static IReadOnlyList<StepResult> Recorded(double[] mb) => Samples(i => mb[i], mb.Length);

    // The node's working set at the end of each 10 s step of the 2026-12-05 23:27 record run's 10-minute
    // soak (LeadHub.Bench/results/2026-12-05-2327-all.json): its second half began just after a fall.
    private static readonly double[] Soak2327 =
    [
        749, 745, 654, 680, 714, 735, 757, 778, 814, 819, 583, 545, 545, 545, 530, 546, 547, 547, 547, 554,
        549, 549, 549, 545, 548, 549, 552, 408, 404, 400, 391, 396, 396, 398, 398, 398, 401, 402, 408, 414,
        414, 421, 419, 414, 401, 415, 417, 419, 419, 415, 417, 420, 421, 412, 412, 420, 400, 419, 418, 420,
    ];

    [Fact]
    public void Working_set_that_climbs_then_levels_off_is_not_growing()
    {
        // 330 MB rising to 455 MB over the first 5 minutes, then flat with ±5 MB of collections.
        var soak = SoakResult.Of(570, Samples(i => i < 30 ? 330 + i * 125.0 / 30 : 455 + (i % 2 == 0 ? 5 : -5)));

        Assert.True(soak.SlopeMbPerMinute > 5, "the whole run climbs");
        Assert.InRange(soak.LaterSlopeMbPerMinute, -1, 1);
        Assert.Null(soak.FloorSlopeMbPerMinute);
        Assert.True(soak.NotGrowing);
    }

    [Fact]
    public void Working_set_that_keeps_climbing_is_growing()
    {
        var soak = SoakResult.Of(570, Samples(i => 330 + i * 2.0));   // 12 MB a minute, all along

        Assert.InRange(soak.LaterSlopeMbPerMinute, 11.9, 12.1);
        Assert.False(soak.NotGrowing);
    }

    [Fact]
    public void Soak_whose_second_half_climbs_after_a_collection_is_not_growing_when_each_collection_returns_lower()
    {
        var soak = SoakResult.Of(795, Recorded(Soak2327));

        Assert.True(soak.LaterSlopeMbPerMinute > 1, "the second half alone reads as growth");
        Assert.Equal([654, 530, 391], soak.FloorsMb);
        Assert.True(soak.FloorSlopeMbPerMinute < 0);
        Assert.True(soak.NotGrowing);
        Assert.Contains("between the last two floors after 3 falls (654 → 530 → 391 MB)", soak.Verdict);
    }

    [Fact]
    public void Leak_that_collections_cannot_return_is_growing_though_the_working_set_falls_at_each_one()
    {
        // A sawtooth: 60 MB climbed and handed back every 2 minutes, on a floor that rises 3 MB a minute.
        var soak = SoakResult.Of(570, Samples(i => 400 + i * 0.5 + (i % 12) * 5.0, 120));

        Assert.True(soak.FloorsMb.Count >= 8);
        Assert.InRange(soak.FloorSlopeMbPerMinute!.Value, 2.9, 3.1);
        Assert.False(soak.NotGrowing);
    }

    [Fact]
    public void Leak_under_the_memory_an_earlier_overload_still_hands_back_is_growing()
    {
        // Floors fall from 700 MB while find-max's memory is handed back, then rise 3 MB a minute: a fit
        // through all of them falls, the last two rise.
        double[] floors = [700, 560, 420, 426, 432];
        var soak = SoakResult.Of(570, Samples(i => floors[i / 12] + (i % 12) * 5.0, 60));

        Assert.Equal(floors[1..], soak.FloorsMb);   // the first stretch holds the start: no floor
        Assert.InRange(soak.FloorSlopeMbPerMinute!.Value, 2.9, 3.1);
        Assert.False(soak.NotGrowing);
    }

    [Fact]
    public void Sawtooth_on_a_level_floor_is_not_growing_whichever_half_it_ends_in()
    {
        // 60 MB climbed and handed back every 4 minutes on a floor of 400 MB; the run ends mid-climb.
        var soak = SoakResult.Of(570, Samples(i => 400 + (i % 24) * 2.5, 66));

        Assert.All(soak.FloorsMb, f => Assert.Equal(400, f));
        Assert.Equal(0, soak.FloorSlopeMbPerMinute);
        Assert.True(soak.NotGrowing);
    }
}
