using LeadHub.Core.Workspace;
using LeadHub.Web;
using LeadHub.Web.Sandbox;

namespace LeadHub.Tests.Sandbox;

// The demo's market is varied enough that routing choices make a difference (issue 18: a replay
// of "waterfall by priority" against the parallel auction must show one): these pin the variety.
public class DemoVarietyTests
{
    private static readonly WorkspaceDocument Demo = DemoWorkspace.Build("http://localhost:5000");

    private static IEnumerable<(ContractConfig Contract, SandboxBuyerProfile Profile)> PingPosts(string campaign) =>
        Demo.Buyers.SelectMany(b => b.Contracts.Select(c => (Contract: c, Profile: DemoWorkspace.SandboxProfiles[b.Key])))
            .Where(x => x.Contract.Campaign == campaign && x.Contract.Mode == ContractModes.PingPost);

    [Fact]
    public void The_demo_workspace_is_valid()
    {
        Assert.Empty(WorkspaceValidator.Validate(Demo, Demo));
    }

    [Theory]
    [InlineData("auto-insurance")]
    [InlineData("solar")]
    [InlineData("mortgage")]
    public void A_waterfall_asks_first_a_buyer_that_is_not_the_best_bidder_and_a_fixed_price_fallback_tier_follows(string campaign)
    {
        var contracts = PingPosts(campaign).ToList();
        var first = contracts.MinBy(x => x.Contract.Priority);
        var best = contracts.MaxBy(x => x.Profile.BidMean);

        Assert.NotEqual(best.Contract.Key, first.Contract.Key);
        Assert.Single(contracts, x => x.Contract.Priority == first.Contract.Priority);   // the order is the priorities', not the list's
        Assert.Contains(Demo.Buyers.SelectMany(b => b.Contracts), c => c.Campaign == campaign && c.Mode == ContractModes.DirectPost && c.Tier == 1);
    }

    [Fact]
    public void Auto_insurance_has_a_slow_buyer_and_a_high_bidder_that_rejects_half_its_posts()
    {
        var contracts = PingPosts("auto-insurance").ToList();
        var timeout = Demo.Campaigns.Single(c => c.Key == "auto-insurance").AuctionTimeoutMs;

        // Asked one after another, the buyers' mean answer times add up past the auction timeout.
        Assert.True(contracts.Sum(x => x.Profile.LatencyMeanMs + x.Profile.PostLatencyMeanMs) > timeout);
        Assert.Contains(contracts, x => x.Profile.LatencyMeanMs >= 250);
        var highest = contracts.MaxBy(x => x.Profile.BidMean);
        Assert.True(highest.Profile.RejectRate >= 0.4, $"{highest.Contract.Key} rejects {highest.Profile.RejectRate:P0}");
    }
}
