using LeadHub.Core.Lab;

namespace LeadHub.Tests.Lab;

// Known values: Welch's example 1 from Wikipedia ("Welch's t-test": t = 2.46, ν ≈ 25.0, p = 0.021,
// here as B − A), the others computed independently from the textbook formulas.
public class SignificanceTests
{
    private static readonly decimal[] A = [27.5m, 21.0m, 19.0m, 23.6m, 17.0m, 17.9m, 16.9m, 20.1m, 21.9m, 22.6m, 23.1m, 19.6m, 19.0m, 21.7m, 21.4m];
    private static readonly decimal[] B = [27.1m, 22.0m, 20.8m, 23.4m, 23.4m, 23.5m, 25.8m, 22.0m, 24.8m, 20.2m, 21.9m, 22.1m, 22.9m, 20.5m, 24.4m];

    [Fact]
    public void Welchs_test_gives_the_textbook_p_value_for_two_small_samples()
    {
        var c = Significance.CompareMeans(Sample.Of(A), Sample.Of(B));
        Assert.Equal(2.1666667, c.Difference, 6);
        Assert.Equal(0.021378, c.PValue, 5);
        Assert.True(c.Low > 0 && c.High > c.Difference);
        // Fifteen leads a side: the p-value is shown, the verdict waits for more.
        Assert.False(c.EnoughData);
        Assert.Equal("not enough data yet", c.Verdict);
    }

    [Fact]
    public void The_same_samples_repeated_to_a_few_hundred_leads_are_significant_and_b_wins()
    {
        var a = Sample.Of(Enumerable.Repeat(A, 20).SelectMany(x => x));
        var b = Sample.Of(Enumerable.Repeat(B, 20).SelectMany(x => x));
        var c = Significance.CompareMeans(a, b);
        Assert.True(c.EnoughData);
        Assert.True(c.Significant);
        Assert.Equal("B is better", c.Verdict);
    }

    [Fact]
    public void Two_rates_compare_by_the_two_proportion_z_test()
    {
        var c = Significance.CompareRates(45, 300, 66, 300);
        Assert.Equal(0.07, c.Difference, 10);
        Assert.Equal(0.027251, c.PValue, 5);
        Assert.True(c.EnoughData);
        Assert.Equal("B is better", c.Verdict);
    }

    [Fact]
    public void Equal_arms_are_not_a_difference()
    {
        var c = Significance.CompareRates(100, 400, 100, 400);
        Assert.Equal(1, c.PValue, 10);
        Assert.Equal("no significant difference yet", c.Verdict);
    }

    [Fact]
    public void A_rate_interval_is_wilsons_and_stays_inside_zero_and_one()
    {
        var e = Significance.RateOf(81, 263);
        Assert.Equal(0.255289, e.Low, 5);
        Assert.Equal(0.366210, e.High, 5);
        var none = Significance.RateOf(0, 50);
        Assert.Equal(0, none.Low, 10);
        Assert.Equal(0.071348, none.High, 5);
    }

    [Fact]
    public void Sums_added_per_bucket_give_the_same_mean_and_interval_as_all_the_leads()
    {
        var whole = Significance.MeanOf(Sample.Of(A.Concat(B)));
        var added = Significance.MeanOf(Sample.Of(A).Add(Sample.Of(B)));
        Assert.Equal(whole, added);
        Assert.True(whole.Low < whole.Value && whole.Value < whole.High);
    }

    [Fact]
    public void A_plan_that_rejects_less_reads_as_better_and_one_that_sells_less_as_worse()
    {
        var rejects = Significance.CompareRates(1600, 5800, 570, 4700) with { LowerIsBetter = true };
        Assert.True(rejects.Difference < 0);
        Assert.Equal("B is better", rejects.Verdict);
        var sold = Significance.CompareRates(3000, 4000, 2500, 4000);
        Assert.Equal("B is worse", sold.Verdict);
    }
}
