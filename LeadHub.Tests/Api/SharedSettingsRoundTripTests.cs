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
