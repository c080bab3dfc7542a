using LeadHub.Core.Lab;
using LeadHub.Core.Workspace;

namespace LeadHub.Tests.Lab;

// The sentence a manager reads above the A/B table, against hand-worked values.
public sealed class SplitVerdictTests
{
    [Fact]
    public void A_significant_gain_is_said_in_dollars_per_lead_with_its_interval_and_p_value()
    {
        Assert.Equal("B earns $0.84 more per lead (95 % CI 0.12 to 1.56, p = 0.02)",
            SplitQueries.Summary(new Comparison(0.84, 0.12, 1.56, 0.02, EnoughData: true), null));
        Assert.Equal("B earns $0.50 less per lead (95 % CI -0.90 to -0.10, p = 0.004)",
            SplitQueries.Summary(new Comparison(-0.5, -0.9, -0.1, 0.004, EnoughData: true), null));
        Assert.Equal("no significant difference yet: B earns $0.10 more per lead (95 % CI -0.20 to 0.40, p = 0.41)",
            SplitQueries.Summary(new Comparison(0.1, -0.2, 0.4, 0.41, EnoughData: true), null));
        Assert.Equal("not enough data yet", SplitQueries.Summary(new Comparison(3, 1, 5, 0.0001, EnoughData: false), null));
    }

    [Fact]
    public void Not_enough_data_says_how_many_more_leads_per_arm_would_show_the_difference_seen_so_far()
    {
        // A: 100 leads, 50 sold at $10 (mean 5, variance 2500/99); B: 100 leads, 60 sold at $10 (mean 6, variance 2400/99).
        // 80 % power at 5 %: n = 7.849 × (25.25 + 24.24) / 1² = 388.5 → 389 per arm, 289 more than the 100 there.
        var a = Arm(SplitArms.A, 100, 50, 10m);
        var b = Arm(SplitArms.B, 100, 60, 10m);

        var comparison = SplitQueries.Compare("c", new SplitConfig { Id = "x", ShareB = 0.5m }, a, b);

        Assert.Equal(289, comparison.MoreLeadsPerArm);
        Assert.Equal("not enough data yet: 289 more leads per arm needed", comparison.Summary);
        Assert.Equal(1.0, comparison.Rpl.Difference, 9);
        Assert.Equal(0.1, comparison.SellThrough.Difference, 9);
    }

    [Fact]
    public void Below_the_minimum_the_count_is_at_least_what_the_minimum_still_needs()
    {
        // Identical arms: no difference to size for, so only the 200-lead minimum counts.
        var comparison = SplitQueries.Compare("c", new SplitConfig { Id = "x" }, Arm(SplitArms.A, 40, 20, 10m), Arm(SplitArms.B, 30, 15, 10m));

        Assert.Equal(170, comparison.MoreLeadsPerArm);
        Assert.False(comparison.Rpl.EnoughData);
    }

    [Fact]
    public void A_difference_too_small_to_find_in_a_million_leads_says_not_enough_without_a_number()
    {
        var a = new SplitArmFigures(SplitArms.A, 100, 50, 500m, 0m, 0, 0, Sample.Of(Enumerable.Repeat(10m, 50).Concat(Enumerable.Repeat(0m, 50))));
        var b = a with { Arm = SplitArms.B, RevenuePerLead = a.RevenuePerLead.Add(0.001m) with { N = 100 } };

        Assert.Null(SplitQueries.MoreLeadsPerArm(a.RevenuePerLead, b.RevenuePerLead));
        Assert.Equal("not enough data yet", SplitQueries.Compare("c", new SplitConfig { Id = "x" }, a, b).Summary);
    }

    [Theory]
    [InlineData(0.5, "0.50")]
    [InlineData(0.02, "0.02")]
    [InlineData(0.004, "0.004")]
    [InlineData(0.0002, "< 0.001")]
    public void P_values_are_shown_to_the_digits_that_matter(double p, string shown) => Assert.Equal(shown, SplitQueries.P(p));

    private static SplitArmFigures Arm(string arm, int leads, int sold, decimal price) =>
        new(arm, leads, sold, sold * price, 0m, 0, 0,
            Sample.Of(Enumerable.Repeat(price, sold).Concat(Enumerable.Repeat(0m, leads - sold))));
}
