using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Portal;

namespace LeadHub.Tests.Api;

// Every new setting of shared leads, price rules and payout rules survives an import and an export
// (the workspace file is the configuration, CONTRACT §4); a bad one changes nothing.
public sealed class SharedSettingsRoundTripTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>
{
    [Fact]
    public async Task Shared_price_and_payout_settings_come_back_from_an_export_as_imported()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("rt")) with { MaxSharedBuyers = 4 };
        var publisher = TestWorkspace.Publisher(TestWorkspace.Unique("rt-pub"), "key-" + Guid.NewGuid().ToString("N"), campaign.Key) with
        {
            Payout = new PayoutConfig { Model = PayoutModels.Revshare, Percent = 60, Max = 25, MinMargin = 3 },
            SubIdPayouts = new() { ["s-9"] = new PayoutConfig { Model = PayoutModels.Fixed, Percent = null, Amount = 4 } },
        };
        var buyerKey = TestWorkspace.Unique("rt-buyer");
        var contract = TestWorkspace.DirectPost(buyerKey + "-c", campaign.Key, "https://buyer.example/post", 20m) with
        {
            SaleType = SaleTypes.Both, SharedPrice = 9.5m,
        };
        campaign = campaign with
        {
            PriceRules =
            [
                new PriceRuleConfig { Publisher = publisher.Key, SubId = "s-9", Kind = PriceRuleKinds.Percent, Amount = 10 },
                new PriceRuleConfig { Contract = contract.Key, Kind = PriceRuleKinds.Fixed, Amount = -1.25m },
            ],
        };
        await host.ImportAsync(new WorkspaceDocument { Campaigns = [campaign], Publishers = [publisher], Buyers = [TestWorkspace.Buyer(buyerKey, contract)] });

        var exported = await host.ExportAsync();

        var c = exported.Campaigns.Single(x => x.Key == campaign.Key);
        Assert.Equal(4, c.MaxSharedBuyers);
        Assert.Equal(campaign.PriceRules, c.PriceRules);
        var p = exported.Publishers.Single(x => x.Key == publisher.Key);
        Assert.Equal(publisher.Payout, p.Payout);
        Assert.Equal(4m, p.SubIdPayouts!["s-9"].Amount);
        var k = exported.Buyers.Single(x => x.Key == buyerKey).Contracts.Single();
        Assert.Equal((SaleTypes.Both, 9.5m), (k.SaleType, k.SharedPrice));
    }

    [Fact]
    public async Task Routing_strategy_ranking_and_a_live_split_come_back_from_an_export_as_imported()
    {
        var campaign = TestWorkspace.Unique("rt-split");
        var buyer = TestWorkspace.Unique("rt-sb");
        var json = $$"""
            { "campaigns": [ { "key": "{{campaign}}", "name": "Split", "strategy": "waterfall", "ranking": "expected-value",
                               "fields": [ { "name": "zip", "type": "zip" } ],
                               "split": { "id": "waterfall-vs-auction", "shareB": 0.15, "startedAt": "2026-12-01T10:00:00+00:00",
                                          "planB": { "strategy": "auction", "ranking": "bid", "floor": 4.5, "maxPostAttempts": 1,
                                                     "auctionTimeoutMs": 600, "tierFloors": { "1": 2.25 }, "removeTiers": [2],
                                                     "removeBuyers": ["{{buyer}}"], "removeContracts": ["{{buyer}}-a"],
                                                     "moveContracts": { "{{buyer}}-b": 3 } } } } ],
              "buyers": [ { "key": "{{buyer}}", "name": "B", "contracts": [
                  { "key": "{{buyer}}-a", "campaign": "{{campaign}}", "mode": "direct-post", "postUrl": "https://b.example/post", "price": 5, "tier": 1 },
                  { "key": "{{buyer}}-b", "campaign": "{{campaign}}", "mode": "direct-post", "postUrl": "https://b.example/post", "price": 4, "tier": 1 } ] } ] }
            """;
        using var admin = host.Admin();

        var response = await admin.PutAsync("/api/v1/admin/workspace", Bodies.Json(json));

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var c = (await host.ExportAsync()).Campaigns.Single(x => x.Key == campaign);
        Assert.Equal((RoutingStrategies.Waterfall, OfferRankings.ExpectedValue), (c.Strategy, c.Ranking));
        var split = c.Split!;
        Assert.Equal(("waterfall-vs-auction", 0.15m, DateTimeOffset.Parse("2026-12-01T10:00:00Z")), (split.Id, split.ShareB, split.StartedAt));
        Assert.Equal(new RoutingPlan
        {
            Strategy = RoutingStrategies.Auction, Ranking = OfferRankings.Bid, Floor = 4.5m, MaxPostAttempts = 1, AuctionTimeoutMs = 600,
            TierFloors = new() { [1] = 2.25m }, RemoveTiers = [2], RemoveBuyers = [buyer], RemoveContracts = [buyer + "-a"],
            MoveContracts = new() { [buyer + "-b"] = 3 },
        }, split.PlanB);
        // The exported text is the imported one's: the same names, and it imports again unchanged.
        var exported = await (await admin.GetAsync("/api/v1/admin/workspace")).Content.ReadAsStringAsync();
        foreach (var text in new[] { "\"strategy\":\"waterfall\"", "\"ranking\":\"expected-value\"", "\"shareB\":0.15", "\"planB\":{", "\"moveContracts\":{" })
            Assert.Contains(text, exported);
        Assert.True((await admin.PutAsync("/api/v1/admin/workspace", Bodies.Json(exported))).IsSuccessStatusCode);
        Assert.Equal(exported, await (await admin.GetAsync("/api/v1/admin/workspace")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_workspace_with_a_bad_split_is_refused_whole_with_every_path()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("rt-badsplit")) with
        {
            Strategy = "ping-tree",
            Split = new SplitConfig { Id = "", ShareB = 1m, PlanB = new RoutingPlan { RemoveContracts = ["nobody"], MaxPostAttempts = 0 } },
        };

        var errors = await host.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [campaign] }, "test");

        Assert.Equal(
            ["$.campaigns[0].split.id", "$.campaigns[0].split.planB.maxPostAttempts", "$.campaigns[0].split.planB.removeContracts[0]",
             "$.campaigns[0].split.shareB", "$.campaigns[0].strategy"],
            errors.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.DoesNotContain((await host.ExportAsync()).Campaigns, x => x.Key == campaign.Key);
    }

    [Fact]
    public async Task A_workspace_with_a_bad_price_rule_is_refused_whole()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("rt-bad")) with
        {
            PriceRules = [new PriceRuleConfig { Buyer = "nobody-at-all", Kind = PriceRuleKinds.Fixed, Amount = 1 }],
        };

        var errors = await host.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [campaign] }, "test");

        Assert.Contains(errors, e => e.Path == "$.campaigns[0].priceRules[0].buyer" && e.Message == "There is no buyer 'nobody-at-all'");
        Assert.DoesNotContain((await host.ExportAsync()).Campaigns, x => x.Key == campaign.Key);
    }
}
