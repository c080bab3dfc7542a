using Bunit;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web.Components.Pages.Buyers;
using LeadHub.Web.Components.Pages.Publishers;

namespace LeadHub.Tests.Portal;

// The contract editor's "Sells" and "Shared price", the publisher editor's payout cap, minimum
// margin and per-sub-id payouts (README "Shared leads", "Payout rules").
public sealed class SharedSettingsEditorTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<(string Buyer, string Contract)> ContractAsync(int maxSharedBuyers)
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("camp")) with { MaxSharedBuyers = maxSharedBuyers };
        var buyer = TestWorkspace.Unique("buyer");
        var contract = TestWorkspace.DirectPost(TestWorkspace.Unique("ct"), campaign.Key, "https://buyer.example/post", 20m);
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [campaign], Buyers = [TestWorkspace.Buyer(buyer, contract)] }, "setup"));
        return (buyer, contract.Key);
    }

    [Fact]
    public async Task A_manager_makes_a_contract_buy_both_ways_with_a_shared_price()
    {
        var (buyer, contract) = await ContractAsync(maxSharedBuyers: 3);
        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));
        cut.WaitForAssertion(() => cut.Find("#contract-save"), PortalKit.Wait);

        cut.Pick("contract-sale-type", "exclusive and shared");
        cut.Type("contract-shared-price", "8.5");
        cut.Find("#contract-save").Click();

        cut.WaitForAssertion(() => Assert.Contains($"Contract {contract} saved.", cut.Markup), PortalKit.Wait);
        var saved = (await Host.ExportedBuyerAsync(buyer))!.Contracts.Single(c => c.Key == contract);
        Assert.Equal((SaleTypes.Both, 8.5m), (saved.SaleType, saved.SharedPrice));
    }

    [Fact]
    public async Task A_shared_contract_in_an_exclusive_campaign_shows_why_next_to_the_field_and_saves_nothing()
    {
        var (buyer, contract) = await ContractAsync(maxSharedBuyers: 0);
        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));
        cut.WaitForAssertion(() => cut.Find("#contract-save"), PortalKit.Wait);

        cut.Pick("contract-sale-type", "shared");
        cut.Find("#contract-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("sells exclusive only", cut.ErrorOf("contract-sale-type")), PortalKit.Wait);
        Assert.Contains("needs a shared price above 0", cut.ErrorOf("contract-shared-price"));
        Assert.Null((await Host.ExportedBuyerAsync(buyer))!.Contracts.Single(c => c.Key == contract).SaleType);
    }

    [Fact]
    public async Task A_manager_caps_a_payout_and_adds_a_sub_id_payout()
    {
        var campaign = TestWorkspace.Unique("camp");
        var publisher = TestWorkspace.Unique("pub");
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument
        {
            Campaigns = [TestWorkspace.Campaign(campaign)],
            Publishers = [TestWorkspace.Publisher(publisher, null!, campaign) with { ApiKey = null }],
        }, "seed"));
        var cut = RenderPage<PublisherEditor>(("Key", publisher));
        cut.WaitForAssertion(() => Assert.Equal(publisher, cut.Find("input#publisher-key").GetAttribute("value")), PortalKit.Wait);

        cut.Find("input#publisher-payout-max").Change("15");
        cut.Find("input#publisher-payout-min-margin").Change("2");
        cut.Find("#publisher-subid-payout-add").Click();
        cut.Find("input#publisher-subid-payout-subid-0").Change("s-7");
        cut.Find("input#publisher-subid-payout-percent-0").Change("50");
        cut.Find("#publisher-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Publisher saved.", cut.Markup), PortalKit.Wait);
        var stored = (await Host.ExportAsync()).Publishers.Single(p => p.Key == publisher);
        Assert.Equal((15m, 2m), (stored.Payout.Max, stored.Payout.MinMargin));
        Assert.Equal(50m, stored.SubIdPayouts!["s-7"].Percent);
    }

    [Fact]
    public async Task A_sub_id_payout_without_a_sub_id_is_refused_next_to_it()
    {
        var campaign = TestWorkspace.Unique("camp");
        var publisher = TestWorkspace.Unique("pub");
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument
        {
            Campaigns = [TestWorkspace.Campaign(campaign)],
            Publishers = [TestWorkspace.Publisher(publisher, null!, campaign) with { ApiKey = null }],
        }, "seed"));
        var cut = RenderPage<PublisherEditor>(("Key", publisher));
        cut.WaitForAssertion(() => cut.Find("#publisher-subid-payout-add"), PortalKit.Wait);

        cut.Find("#publisher-subid-payout-add").Click();
        cut.Find("#publisher-save").Click();

        cut.WaitForAssertion(() => Assert.Equal("enter a sub-id", cut.ErrorOf("publisher-subid-payout-subid-0")), PortalKit.Wait);
        Assert.Null((await Host.ExportAsync()).Publishers.Single(p => p.Key == publisher).SubIdPayouts);
    }
}
