using Bunit;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Campaigns;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

public sealed class CampaignEditorTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<CampaignConfig> SeedAsync(string key)
    {
        var campaign = TestWorkspace.Campaign(key, floor: 2.5m) with
        {
            Name = "Auto " + key,
            Tiers = [new TierConfig { Tier = 0, Floor = 5 }, new TierConfig { Tier = 1, Floor = 1 }],
        };
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [campaign] }, "seed"));
        return campaign;
    }

    private async Task<CampaignConfig> StoredAsync(string key) => (await Host.ExportAsync()).Campaigns.Single(c => c.Key == key);

    [Fact]
    public async Task Shows_the_stored_settings_tiers_and_fields()
    {
        var key = TestWorkspace.Unique("camp-show");
        await SeedAsync(key);

        var cut = RenderPage<CampaignEditor>(("Key", key));

        cut.WaitForAssertion(() => Assert.Equal("Auto " + key, cut.Find("input#campaign-name").GetAttribute("value")), PortalKit.Wait);
        Assert.Equal(key, cut.Find("input#campaign-key").GetAttribute("value"));
        Assert.True(cut.Find("input#campaign-key").HasAttribute("readonly"));
        Assert.Equal("2.5", cut.Find("input#campaign-floor").GetAttribute("value"));
        Assert.Equal("800", cut.Find("input#campaign-auction-timeout").GetAttribute("value"));
        Assert.Equal("1", cut.Find("input#campaign-tier-1").GetAttribute("value"));
        Assert.Equal("5", cut.Find("input#campaign-tier-floor-0").GetAttribute("value"));
        Assert.Equal(9, cut.FindAll("#campaign-fields tbody tr").Count);
        Assert.Equal("tcpa_consent", cut.Find("input#campaign-field-name-8").GetAttribute("value"));
        Assert.Equal("boolean", cut.Find("input#campaign-field-type-8").GetAttribute("value"));
        Assert.Equal("true", cut.Find("input#campaign-field-values-8").GetAttribute("value"));
        Assert.Equal("120", cut.Find("input#campaign-field-max-6").GetAttribute("value"));
    }

    [Fact]
    public async Task A_negative_floor_shows_the_validators_message_next_to_the_field_keeps_the_input_and_saves_nothing()
    {
        var key = TestWorkspace.Unique("camp-bad");
        await SeedAsync(key);
        var cut = RenderPage<CampaignEditor>(("Key", key));
        cut.WaitForElement("input#campaign-floor", PortalKit.Wait);

        cut.Find("input#campaign-name").Change("Renamed");
        cut.Find("input#campaign-floor").Change("-1");
        cut.Find("#campaign-save").Click();

        cut.WaitForAssertion(() => Assert.Equal("must not be negative", cut.ErrorOf("campaign-floor")), PortalKit.Wait);
        Assert.Contains("Floor: must not be negative", cut.Find("#campaign-errors").TextContent);
        Assert.Equal("Renamed", cut.Find("input#campaign-name").GetAttribute("value"));
        Assert.Equal("-1", cut.Find("input#campaign-floor").GetAttribute("value"));
        var stored = await StoredAsync(key);
        Assert.Equal(2.5m, stored.Floor);
        Assert.Equal("Auto " + key, stored.Name);
        Assert.DoesNotContain(await Host.AuditAsync(key), a => a.Actor == PortalKit.Manager);
    }

    [Fact]
    public async Task An_enum_field_without_values_shows_the_error_next_to_its_values()
    {
        var key = TestWorkspace.Unique("camp-enum");
        await SeedAsync(key);
        var cut = RenderPage<CampaignEditor>(("Key", key));
        cut.WaitForElement("#campaign-field-add", PortalKit.Wait);

        cut.Find("#campaign-field-add").Click();
        cut.Find("input#campaign-field-name-9").Change("credit");
        cut.Choose("campaign-field-type-9", "enum");
        cut.Find("#campaign-save").Click();

        cut.WaitForAssertion(() => Assert.Equal("an enum needs a list of string values", cut.ErrorOf("campaign-field-values-9")), PortalKit.Wait);
        Assert.Equal("enum", cut.Find("input#campaign-field-type-9").GetAttribute("value"));
        Assert.Equal(9, (await StoredAsync(key)).Fields.Count);

        cut.Find("input#campaign-field-values-9").Change("excellent, good, poor");
        cut.Find("#campaign-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Campaign saved.", cut.Markup), PortalKit.Wait);
        var credit = (await StoredAsync(key)).Fields.Single(f => f.Name == "credit");
        Assert.Equal(FieldTypes.Enum, credit.Type);
        Assert.Equal(["excellent", "good", "poor"], credit.Values!.Select(v => v.GetString()));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("#campaign-errors")), PortalKit.Wait);
    }

    [Fact]
    public async Task Saving_changes_settings_tiers_and_fields_and_audits_the_signed_in_user()
    {
        var key = TestWorkspace.Unique("camp-save");
        await SeedAsync(key);
        var cut = RenderPage<CampaignEditor>(("Key", key));
        cut.WaitForElement("input#campaign-floor", PortalKit.Wait);

        cut.Find("input#campaign-floor").Change("3.75");
        cut.Find("input#campaign-auction-timeout").Change("1200");
        cut.Find("input#campaign-return-days").Change("14");
        cut.Find("#campaign-tier-remove-1").Click();
        cut.Find("#campaign-tier-add").Click();
        cut.Find("input#campaign-tier-floor-1").Change("0.5");
        cut.Find("#campaign-field-remove-1").Click();   // last_name
        cut.Find("#campaign-field-up-1").Click();       // email moves above first_name
        cut.Find("#campaign-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Campaign saved.", cut.Markup), PortalKit.Wait);
        var stored = await StoredAsync(key);
        Assert.Equal(3.75m, stored.Floor);
        Assert.Equal(1200, stored.AuctionTimeoutMs);
        Assert.Equal(14, stored.ReturnWindowDays);
        Assert.Equal([(0, 5m), (1, 0.5m)], stored.Tiers.Select(t => (t.Tier, t.Floor)));
        Assert.Equal(["email", "first_name", "phone"], stored.Fields.Take(3).Select(f => f.Name));
        Assert.DoesNotContain(stored.Fields, f => f.Name == "last_name");
        Assert.True(stored.Fields.Single(f => f.Name == "tcpa_consent").Values![0].GetBoolean());

        var audit = await Host.AuditAsync(key);
        var update = Assert.Single(audit, a => a.Actor == PortalKit.Manager);
        Assert.Equal("update", update.Action);
        Assert.Equal("campaign", update.EntityType);
    }

    [Fact]
    public async Task Strategy_and_ranking_selects_explain_each_choice_in_plain_words_and_save_it()
    {
        var key = TestWorkspace.Unique("camp-routing");
        await SeedAsync(key);
        var cut = RenderPage<CampaignEditor>(("Key", key));
        cut.WaitForElement("input#campaign-strategy", PortalKit.Wait);

        Assert.Equal("Parallel auction", cut.Find("input#campaign-strategy").GetAttribute("value"));
        Assert.Equal("Highest bid", cut.Find("input#campaign-ranking").GetAttribute("value"));
        Assert.Contains("Every buyer of a tier is asked at once", cut.Find("#campaign-routing").TextContent);

        cut.Choose("campaign-strategy", "Waterfall by priority");
        cut.Choose("campaign-ranking", "Expected value");

        cut.WaitForAssertion(() => Assert.Contains("one at a time, lowest priority number first", cut.Find("#campaign-routing").TextContent), PortalKit.Wait);
        Assert.Contains("a high bidder that rejects or returns often stops winning", cut.Find("#campaign-routing").TextContent);
        cut.Find("#campaign-save").Click();
        cut.WaitForAssertion(() => Assert.Contains("Campaign saved.", cut.Markup), PortalKit.Wait);
        var stored = await StoredAsync(key);
        Assert.Equal((RoutingStrategies.Waterfall, OfferRankings.ExpectedValue), (stored.Strategy, stored.Ranking));

        // Back to the defaults: stored as no setting, as a campaign that never had one.
        cut.Choose("campaign-strategy", "Parallel auction");
        cut.Choose("campaign-ranking", "Highest bid");
        cut.Find("#campaign-save").Click();
        await PortalKit.UntilAsync(async () => (await StoredAsync(key)).Strategy is null);
        Assert.Null((await StoredAsync(key)).Ranking);
    }

    [Fact]
    public async Task Saving_in_the_editor_keeps_the_live_split_and_settings_it_does_not_show()
    {
        var key = TestWorkspace.Unique("camp-keep");
        var split = new SplitConfig
        {
            Id = "spring-test", ShareB = 0.2m, StartedAt = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero),
            PlanB = new RoutingPlan { Strategy = RoutingStrategies.Waterfall, MaxPostAttempts = 1 },
        };
        var campaign = TestWorkspace.Campaign(key, floor: 2.5m) with
        {
            Name = "Auto " + key, MaxBid = 90m, Split = split,
            ReturnRules = new ReturnRulesConfig { AllowedReasons = ["bad phone"], AutoApprove = true, MaxReturnRate = 0.2 },
        };
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [campaign] }, "seed"));
        var cut = RenderPage<CampaignEditor>(("Key", key));
        cut.WaitForElement("input#campaign-name", PortalKit.Wait);
        Assert.Contains("Live split spring-test runs: 20 % of new leads", cut.Find("#campaign-split-note").TextContent);

        cut.Find("input#campaign-name").Change("Renamed");
        cut.Find("#campaign-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Campaign saved.", cut.Markup), PortalKit.Wait);
        var stored = await StoredAsync(key);
        Assert.Equal("Renamed", stored.Name);
        Assert.Equal(split, stored.Split);
        Assert.Equal(90m, stored.MaxBid);
        Assert.Equal((true, 0.2), (stored.ReturnRules!.AutoApprove, stored.ReturnRules.MaxReturnRate));
        Assert.Equal(["bad phone"], stored.ReturnRules.AllowedReasons);
    }

    [Fact]
    public async Task Creating_a_campaign_stores_it_with_its_fields_and_audits_it()
    {
        var key = TestWorkspace.Unique("camp-new");
        var cut = RenderPage<CampaignEditor>();
        cut.WaitForElement("input#campaign-key", PortalKit.Wait);
        Assert.False(cut.Find("input#campaign-key").HasAttribute("readonly"));

        cut.Find("input#campaign-key").Change(key);
        cut.Find("input#campaign-name").Change("Solar");
        cut.Find("#campaign-field-add").Click();
        cut.Find("input#campaign-field-name-1").Change("zip");
        cut.Choose("campaign-field-type-1", "zip");
        cut.Find("#campaign-save").Click();

        cut.WaitForAssertion(() => Assert.Contains($"Campaign {key} created.", cut.Markup), PortalKit.Wait);
        var stored = await StoredAsync(key);
        Assert.Equal("Solar", stored.Name);
        Assert.Equal([("email", "email"), ("zip", "zip")], stored.Fields.Select(f => (f.Name, f.Type)));
        Assert.Contains(await Host.AuditAsync(key), a => a.Action == "create" && a.Actor == PortalKit.Manager);
        Assert.EndsWith($"campaigns/{key}", Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri);
    }

    [Fact]
    public async Task Creating_a_campaign_with_a_key_that_exists_is_refused_next_to_the_key()
    {
        var key = TestWorkspace.Unique("camp-dup");
        await SeedAsync(key);
        var cut = RenderPage<CampaignEditor>();
        cut.WaitForElement("input#campaign-key", PortalKit.Wait);

        cut.Find("input#campaign-key").Change(key);
        cut.Find("input#campaign-name").Change("Overwrite");
        cut.Find("#campaign-save").Click();

        cut.WaitForAssertion(() => Assert.Equal($"a campaign '{key}' already exists", cut.ErrorOf("campaign-key")), PortalKit.Wait);
        Assert.Equal("Auto " + key, (await StoredAsync(key)).Name);
    }

    [Fact]
    public async Task A_viewer_sees_the_campaign_read_only_without_edit_buttons()
    {
        var key = TestWorkspace.Unique("camp-view");
        await SeedAsync(key);
        SignInAs(Roles.Viewer);

        var cut = RenderPage<CampaignEditor>(("Key", key));

        cut.WaitForAssertion(() => Assert.Equal("Auto " + key, cut.Find("input#campaign-name").GetAttribute("value")), PortalKit.Wait);
        cut.Find("#campaign-read-only");
        foreach (var id in new[] { "campaign-save", "campaign-delete", "campaign-tier-add", "campaign-field-add", "campaign-field-remove-0", "campaign-tier-remove-0" })
            Assert.Empty(cut.FindAll($"#{id}"));
        Assert.True(cut.Find("input#campaign-floor").HasAttribute("readonly"));
    }

    [Fact]
    public async Task Saving_after_the_role_became_viewer_is_refused_on_the_server_and_changes_nothing()
    {
        var key = TestWorkspace.Unique("camp-demoted");
        await SeedAsync(key);
        var cut = RenderPage<CampaignEditor>(("Key", key));
        cut.WaitForElement("input#campaign-floor", PortalKit.Wait);
        cut.Find("input#campaign-floor").Change("9");

        SignInAs(Roles.Viewer);
        cut.Find("#campaign-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Your role may not change configuration.", cut.Markup), PortalKit.Wait);
        Assert.Equal(2.5m, (await StoredAsync(key)).Floor);
        Assert.DoesNotContain(await Host.AuditAsync(key), a => a.Actor != "seed");
    }

    [Fact]
    public async Task Deleting_a_campaign_that_has_contracts_is_refused_with_the_reason_and_it_can_be_deactivated_instead()
    {
        var key = TestWorkspace.Unique("camp-used");
        await SeedAsync(key);
        var buyer = TestWorkspace.Buyer(TestWorkspace.Unique("buyer"), TestWorkspace.DirectPost(TestWorkspace.Unique("contract"), key, "http://127.0.0.1:9/post", 3));
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument { Buyers = [buyer] }, "seed"));
        var cut = RenderPage<CampaignEditor>(("Key", key));
        cut.WaitForElement("#campaign-delete", PortalKit.Wait);

        cut.Find("#campaign-delete").Click();
        cut.WaitForElement("#campaign-delete-confirm", PortalKit.Wait).Click();

        cut.WaitForAssertion(() => Assert.Contains("it has contracts; deactivate it instead", cut.Find("#campaign-delete-refused").TextContent), PortalKit.Wait);
        Assert.Contains((await Host.ExportAsync()).Campaigns, c => c.Key == key);
        Assert.DoesNotContain(await Host.AuditAsync(key), a => a.Action == "delete");

        cut.Find("#campaign-deactivate").Click();

        cut.WaitForAssertion(() => Assert.Contains($"Campaign {key} deactivated.", cut.Markup), PortalKit.Wait);
        Assert.False((await StoredAsync(key)).Active);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("#campaign-delete-refused")), PortalKit.Wait);
    }

    [Fact]
    public async Task Deleting_an_unused_campaign_after_confirming_removes_it()
    {
        var key = TestWorkspace.Unique("camp-del");
        await SeedAsync(key);
        var cut = RenderPage<CampaignEditor>(("Key", key));
        cut.WaitForElement("#campaign-delete", PortalKit.Wait);

        cut.Find("#campaign-delete").Click();
        cut.WaitForElement("#campaign-delete-cancel", PortalKit.Wait).Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("#campaign-delete-confirm")));
        Assert.Contains((await Host.ExportAsync()).Campaigns, c => c.Key == key);

        cut.Find("#campaign-delete").Click();
        cut.WaitForElement("#campaign-delete-confirm", PortalKit.Wait).Click();

        cut.WaitForAssertion(() => Assert.Contains($"Campaign {key} deleted.", cut.Markup), PortalKit.Wait);
        Assert.DoesNotContain((await Host.ExportAsync()).Campaigns, c => c.Key == key);
        Assert.Contains(await Host.AuditAsync(key), a => a.Action == "delete" && a.Actor == PortalKit.Manager);
    }
}
