using Bunit;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web.Components.Pages.Campaigns;

namespace LeadHub.Tests.Portal;

// The campaign editor's "Max shared buyers" and "Price rules" (README "Shared leads", "Price rules").
public sealed class PriceRuleEditorTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<string> SeedAsync(CampaignConfig? with = null)
    {
        var key = TestWorkspace.Unique("camp-rules");
        var campaign = (with ?? new CampaignConfig()) with { Key = key, Name = key, Fields = TestWorkspace.Campaign(key).Fields };
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [campaign] }, "seed"));
        return key;
    }

    private async Task<CampaignConfig> StoredAsync(string key) => (await Host.ExportAsync()).Campaigns.Single(c => c.Key == key);

    [Fact]
    public async Task A_manager_adds_a_percent_margin_and_max_shared_buyers_and_they_are_saved()
    {
        var key = await SeedAsync();
        var cut = RenderPage<CampaignEditor>(("Key", key));
        cut.WaitForElement("#campaign-price-rule-add", PortalKit.Wait);

        cut.Find("input#campaign-max-shared-buyers").Change("3");
        cut.Find("#campaign-price-rule-add").Click();
        cut.WaitForElement("input#campaign-price-rule-amount-0", PortalKit.Wait).Change("10");
        cut.Find("#campaign-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Campaign saved.", cut.Markup), PortalKit.Wait);
        var stored = await StoredAsync(key);
        Assert.Equal(3, stored.MaxSharedBuyers);
        var rule = Assert.Single(stored.PriceRules!);
        Assert.Equal((PriceRuleKinds.Percent, 10m, (string?)null), (rule.Kind, rule.Amount, rule.Publisher));
    }

    [Fact]
    public async Task A_rule_for_an_unknown_publisher_shows_the_message_next_to_it_and_saves_nothing()
    {
        var key = await SeedAsync();
        var cut = RenderPage<CampaignEditor>(("Key", key));
        cut.WaitForElement("#campaign-price-rule-add", PortalKit.Wait);

        // The new row renders after the click's handler: wait for it, as a user would.
        cut.Find("#campaign-price-rule-add").Click();
        cut.WaitForElement("input#campaign-price-rule-publisher-0", PortalKit.Wait).Change("ghost");
        cut.Find("input#campaign-price-rule-amount-0").Change("2");
        cut.Find("#campaign-save").Click();

        cut.WaitForAssertion(() => Assert.Equal("There is no publisher 'ghost'", cut.ErrorOf("campaign-price-rule-publisher-0")), PortalKit.Wait);
        Assert.Equal("ghost", cut.Find("input#campaign-price-rule-publisher-0").GetAttribute("value"));
        Assert.Null((await StoredAsync(key)).PriceRules);
    }

    [Fact]
    public async Task Saving_a_campaign_keeps_its_price_rules()
    {
        var key = await SeedAsync(new CampaignConfig { MaxSharedBuyers = 2, PriceRules = [new PriceRuleConfig { Kind = PriceRuleKinds.Fixed, Amount = 1.5m }] });
        var cut = RenderPage<CampaignEditor>(("Key", key));
        cut.WaitForAssertion(() => Assert.Equal("1.5", cut.Find("input#campaign-price-rule-amount-0").GetAttribute("value")), PortalKit.Wait);

        cut.Find("input#campaign-name").Change("Renamed " + key);
        cut.Find("#campaign-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Campaign saved.", cut.Markup), PortalKit.Wait);
        var stored = await StoredAsync(key);
        Assert.Equal(2, stored.MaxSharedBuyers);
        Assert.Equal(1.5m, Assert.Single(stored.PriceRules!).Amount);
    }
}
