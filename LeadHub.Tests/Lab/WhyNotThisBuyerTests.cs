using LeadHub.Core.Lab;
using LeadHub.Core.Leads;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Routing;
using static LeadHub.Tests.Routing.AuctionScenario;

namespace LeadHub.Tests.Lab;

// The lead page's "why not this buyer": a real auction's trace, explained for every contract of the campaign.
public class WhyNotThisBuyerTests
{
    private static IReadOnlyList<TraceStepView> Views(AuctionResult r) =>
        r.Trace.Select(s => new TraceStepView(s.Kind, s.Buyer, s.Contract, s.Tier, s.Outcome, s.Bid, s.Price, s.Reason, s.LatencyMs, s.At)).ToList();

    private static IReadOnlyList<ContractSnapshot> ContractsOf(AuctionScenario s) =>
        s.Snapshot.Contracts.Values.Where(c => c.Config.Campaign == CampaignKey).ToList();

    [Fact]
    public async Task Every_contract_of_the_campaign_gets_the_reason_it_did_or_did_not_get_the_lead()
    {
        var s = new AuctionScenario().Contracts(
            PingPost("winner"), PingPost("rejecter"), PingPost("outbid"), PingPost("cheap"), PingPost("passer"),
            PingPost("nv-only") with { Filters = [Filter("state", FilterOps.In, new[] { "NV" })] },
            PingPost("paused") with { Active = false },
            DirectPost("tier-1", 4.00m, tier: 1),
            PingPost("sandbox") with { Sandbox = true });
        s.Transport.Bids("rejecter", 20m).Rejects("rejecter", "duplicate lead")
            .Bids("winner", 15.50m).Bids("outbid", 12m).Bids("cheap", 3m).Passes("passer");

        var result = await s.RunAsync();
        var verdicts = WhyNotThisBuyer.Explain(LeadStatus.Sold, false, Views(result), ContractsOf(s)).ToDictionary(v => v.Contract);

        Assert.Equal((ContractVerdicts.Won, "bought the lead at 15.50"), (verdicts["winner"].Verdict, verdicts["winner"].Explanation));
        Assert.Equal(ContractVerdicts.Rejected, verdicts["rejecter"].Verdict);
        Assert.Contains("rejected it: duplicate lead", verdicts["rejecter"].Explanation);
        Assert.Equal("bid 12.00, outbid by 3.50 (sold at 15.50)", verdicts["outbid"].Explanation);
        Assert.Equal(ContractVerdicts.BelowFloor, verdicts["cheap"].Verdict);
        Assert.Contains("below floor 5", verdicts["cheap"].Explanation);
        Assert.Equal(ContractVerdicts.Passed, verdicts["passer"].Verdict);
        Assert.Equal(ContractVerdicts.Skipped, verdicts["nv-only"].Verdict);
        Assert.Contains("filter", verdicts["nv-only"].Explanation);
        Assert.Equal(ContractVerdicts.NotOffered, verdicts["paused"].Verdict);
        Assert.Equal("tier 1 was not reached: the lead sold in tier 0", verdicts["tier-1"].Explanation);
        Assert.Equal("a sandbox contract: it takes only test leads", verdicts["sandbox"].Explanation);
        Assert.Equal(9, verdicts.Count);
    }

    [Fact]
    public async Task A_duplicate_lead_says_it_was_not_routed_for_every_contract()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"), PingPost("b"));
        var verdicts = WhyNotThisBuyer.Explain(LeadStatus.Duplicate, false, [], ContractsOf(s));
        Assert.All(verdicts, v => Assert.Equal("the lead was not routed (it is duplicate)", v.Explanation));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_bid_that_was_never_posted_because_the_lead_went_unsold_says_so()
    {
        var s = new AuctionScenario().WithCampaign(c => c with { MaxPostAttempts = 1 }).Contracts(PingPost("first"), PingPost("second"));
        s.Transport.Bids("first", 20m).Rejects("first").Bids("second", 10m);

        var result = await s.RunAsync();
        var verdicts = WhyNotThisBuyer.Explain(LeadStatus.Unsold, false, Views(result), ContractsOf(s)).ToDictionary(v => v.Contract);

        Assert.Null(result.Winner);
        Assert.Equal(ContractVerdicts.Rejected, verdicts["first"].Verdict);
        Assert.Equal("bid 10.00; never posted (the lead went unsold before its turn)", verdicts["second"].Explanation);
    }
}
