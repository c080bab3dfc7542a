using LeadHub.Core.Lab;

namespace LeadHub.Tests.Lab;

public class SplitArmsTests
{
    [Theory]
    [InlineData(0.10)]
    [InlineData(0.50)]
    [InlineData(0.01)]
    public void A_split_sends_its_share_of_leads_to_plan_b(double share)
    {
        const int leads = 100_000;
        var b = Enumerable.Range(0, leads).Count(_ => SplitArms.Of(Guid.NewGuid(), "split-1", (decimal)share) == SplitArms.B);
        // Five standard deviations of a binomial count: fails by chance about once in two million runs.
        var tolerance = 5 * Math.Sqrt(leads * share * (1 - share));
        Assert.InRange(b, leads * share - tolerance, leads * share + tolerance);
    }

    [Fact]
    public void A_lead_keeps_its_arm_every_time_it_is_routed()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => Guid.CreateVersion7()).ToList();
        var first = ids.Select(id => SplitArms.Of(id, "split-1", 0.3m)).ToList();
        Assert.Equal(first, ids.Select(id => SplitArms.Of(id, "split-1", 0.3m)));
    }

    [Fact]
    public void A_new_split_draws_its_b_group_afresh()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => Guid.CreateVersion7()).ToList();
        var inBoth = ids.Count(id => SplitArms.Of(id, "split-1", 0.5m) == SplitArms.B && SplitArms.Of(id, "split-2", 0.5m) == SplitArms.B);
        // Independent halves overlap on about a quarter of the leads.
        Assert.InRange(inBoth, 2_250, 2_750);
    }

    [Fact]
    public void No_share_routes_everything_through_a_and_all_of_it_through_b()
    {
        var id = Guid.NewGuid();
        Assert.Equal(SplitArms.A, SplitArms.Of(id, "s", 0m));
        Assert.Equal(SplitArms.B, SplitArms.Of(id, "s", 1m));
    }
}
