using System.Net;
using System.Net.Http.Json;
using Bunit;
using Bunit.Rendering;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Publishers;

namespace LeadHub.Tests.Portal;

public sealed class PublisherEditorTests(LeadHubFactory host) : PortalTestContext(host)
{
    private sealed record Seeded(string Publisher, string Campaign, string OtherCampaign, string? ApiKey);

    private async Task<Seeded> SeedAsync(bool withKey = true)
    {
        var campaign = TestWorkspace.Unique("pub-camp");
        var other = TestWorkspace.Unique("pub-camp-other");
        var publisher = TestWorkspace.Unique("pub");
        var apiKey = withKey ? $"initial-key-{Guid.NewGuid():N}" : null;
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument
        {
            Campaigns = [TestWorkspace.Campaign(campaign), TestWorkspace.Campaign(other)],
            Publishers = [TestWorkspace.Publisher(publisher, apiKey!, campaign) with { Name = "Blue " + publisher, ApiKey = apiKey, RateLimitPerSecond = 50 }],
        }, "seed"));
        return new Seeded(publisher, campaign, other, apiKey);
    }

    private async Task<PublisherConfig> StoredAsync(string key) => (await Host.ExportAsync()).Publishers.Single(p => p.Key == key);

    private async Task<HttpStatusCode> PostLeadAsync(string apiKey, string campaign)
    {
        using var client = Host.Publisher(apiKey);
        return (await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign))).StatusCode;
    }

    private IRenderedComponent<ContainerFragment> Open(string key)
    {
        var cut = RenderPage<PublisherEditor>(("Key", key));
        cut.WaitForAssertion(() => Assert.Equal(key, cut.Find("input#publisher-key").GetAttribute("value")), PortalKit.Wait);
        return cut;
    }

    [Fact]
    public async Task Shows_the_stored_publisher_with_campaigns_payout_rate_limit_and_key_state()
    {
        var s = await SeedAsync();

        var cut = Open(s.Publisher);

        Assert.Equal("Blue " + s.Publisher, cut.Find("input#publisher-name").GetAttribute("value"));
        Assert.True(cut.Find("input#publisher-key").HasAttribute("readonly"));
        Assert.Equal(s.Campaign, cut.Find("input#publisher-campaigns").GetAttribute("value"));
        Assert.Equal(PayoutModels.Revshare, cut.Find("input#publisher-payout-model").GetAttribute("value"));
        Assert.Equal("70", cut.Find("input#publisher-payout-percent").GetAttribute("value"));
        Assert.Equal("50", cut.Find("input#publisher-rate-limit").GetAttribute("value"));
        Assert.Equal("set", cut.Find("#publisher-key-state").TextContent.Trim());
        Assert.Contains("Rotate key", cut.Find("#publisher-key-rotate").TextContent);
    }

    [Fact]
    public async Task A_percent_above_100_shows_the_validators_message_next_to_it_and_saves_nothing()
    {
        var s = await SeedAsync();
        var cut = Open(s.Publisher);

        cut.Find("input#publisher-payout-percent").Change("150");
        cut.Find("#publisher-save").Click();

        cut.WaitForAssertion(() => Assert.Equal("revshare needs a percent between 0 and 100", cut.ErrorOf("publisher-payout-percent")), PortalKit.Wait);
        Assert.Contains("Payout percent", cut.Find("#publisher-errors").TextContent);
        Assert.Equal("150", cut.Find("input#publisher-payout-percent").GetAttribute("value"));
        Assert.Equal(70, (await StoredAsync(s.Publisher)).Payout.Percent);
        Assert.DoesNotContain(await Host.AuditAsync(s.Publisher), a => a.Actor == PortalKit.Manager);
    }

    [Fact]
    public async Task Saving_changes_the_payout_rate_limit_and_campaign_payouts_and_audits_the_signed_in_user()
    {
        var s = await SeedAsync();
        var cut = Open(s.Publisher);

        cut.Choose("publisher-payout-model", "Fixed amount per lead");
        cut.WaitForElement("input#publisher-payout-amount").Change("2.5");
        cut.Find("input#publisher-rate-limit").Change("20");
        cut.Find("#publisher-campaign-payout-add").Click();
        cut.Choose("publisher-campaign-payout-campaign-0", s.Campaign);
        cut.Find("input#publisher-campaign-payout-percent-0").Change("80");
        cut.Find("#publisher-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Publisher saved.", cut.Markup), PortalKit.Wait);
        var stored = await StoredAsync(s.Publisher);
        Assert.Equal(new PayoutConfig { Model = PayoutModels.Fixed, Percent = null, Amount = 2.5m }, stored.Payout);
        Assert.Equal(20, stored.RateLimitPerSecond);
        var campaignPayout = Assert.Single(stored.CampaignPayouts!);
        Assert.Equal(s.Campaign, campaignPayout.Key);
        Assert.Equal(new PayoutConfig { Model = PayoutModels.Revshare, Percent = 80, Amount = null }, campaignPayout.Value);
        var update = Assert.Single(await Host.AuditAsync(s.Publisher), a => a.Actor == PortalKit.Manager);
        Assert.Equal("update", update.Action);
        Assert.Equal(HttpStatusCode.OK, await PostLeadAsync(s.ApiKey!, s.Campaign));
    }

    [Fact]
    public async Task Creating_a_publisher_with_allowed_campaigns_stores_it()
    {
        var s = await SeedAsync();
        var key = TestWorkspace.Unique("pub-new");
        var cut = RenderPage<PublisherEditor>();
        cut.WaitForElement("input#publisher-key", PortalKit.Wait);
        Assert.Empty(cut.FindAll("#publisher-key-rotate"));

        cut.Find("input#publisher-key").Change(key);
        cut.Find("input#publisher-name").Change("Green media");
        cut.Choose("publisher-campaigns", s.Campaign);
        cut.Choose("publisher-campaigns", s.OtherCampaign);
        cut.Find("#publisher-save").Click();

        cut.WaitForAssertion(() => Assert.Contains($"Publisher {key} created.", cut.Markup), PortalKit.Wait);
        var stored = await StoredAsync(key);
        Assert.Equal("Green media", stored.Name);
        Assert.Equal(new[] { s.Campaign, s.OtherCampaign }.Order(), stored.Campaigns);
        Assert.Contains(await Host.AuditAsync(key), a => a.Action == "create" && a.Actor == PortalKit.Manager);
    }

    [Fact]
    public async Task A_viewer_sees_the_publisher_without_edit_or_key_buttons()
    {
        var s = await SeedAsync();
        SignInAs(Roles.Viewer);

        var cut = Open(s.Publisher);

        cut.Find("#publisher-read-only");
        foreach (var id in new[] { "publisher-save", "publisher-delete", "publisher-key-rotate", "publisher-key-revoke", "publisher-campaign-payout-add" })
            Assert.Empty(cut.FindAll($"#{id}"));
        Assert.Equal("set", cut.Find("#publisher-key-state").TextContent.Trim());
    }

    [Fact]
    public async Task Saving_after_the_role_became_viewer_is_refused_and_changes_nothing()
    {
        var s = await SeedAsync();
        var cut = Open(s.Publisher);
        cut.Find("input#publisher-name").Change("Hijacked");

        SignInAs(Roles.Viewer);
        cut.Find("#publisher-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Your role may not change configuration.", cut.Markup), PortalKit.Wait);
        Assert.Equal("Blue " + s.Publisher, (await StoredAsync(s.Publisher)).Name);
        Assert.DoesNotContain(await Host.AuditAsync(s.Publisher), a => a.Actor != "seed");
    }

    [Fact]
    public async Task Rotating_after_the_role_became_viewer_is_refused_and_the_key_keeps_working()
    {
        var s = await SeedAsync();
        var cut = Open(s.Publisher);

        SignInAs(Roles.Viewer);
        cut.Find("#publisher-key-rotate").Click();
        cut.WaitForElement("#publisher-confirm", PortalKit.Wait).Click();

        cut.WaitForAssertion(() => Assert.Contains("Your role may not change configuration.", cut.Markup), PortalKit.Wait);
        Assert.Empty(cut.FindAll("input#publisher-key-value"));
        Assert.DoesNotContain(await Host.AuditAsync(s.Publisher), a => a.Actor != "seed");
        Assert.Equal(HttpStatusCode.OK, await PostLeadAsync(s.ApiKey!, s.Campaign));
    }

    [Fact]
    public async Task Creating_a_key_shows_it_once_and_the_publisher_can_post_with_it()
    {
        var s = await SeedAsync(withKey: false);
        var cut = Open(s.Publisher);
        Assert.Equal("none", cut.Find("#publisher-key-state").TextContent.Trim());
        Assert.Equal(HttpStatusCode.Unauthorized, await PostLeadAsync("lh_not-a-key-0123456789", s.Campaign));

        cut.Find("#publisher-key-rotate").Click();

        var shown = cut.WaitForElement("input#publisher-key-value", PortalKit.Wait).GetAttribute("value")!;
        Assert.StartsWith("lh_", shown);
        Assert.Contains("shown only once", cut.Find("#publisher-key-warning").TextContent);
        cut.Find("#publisher-key-copy").Click();
        cut.WaitForAssertion(() =>
            Assert.Contains(JSInterop.Invocations, i => i.Identifier == "navigator.clipboard.writeText" && Equals(i.Arguments[0], shown)));
        Assert.Equal(HttpStatusCode.OK, await PostLeadAsync(shown, s.Campaign));

        cut.Find("#publisher-key-done").Click();

        cut.WaitForAssertion(() => Assert.DoesNotContain(shown, cut.Markup));
        Assert.Equal("set", cut.Find("#publisher-key-state").TextContent.Trim());
        Assert.Contains(await Host.AuditAsync(s.Publisher), a => a.Action == "rotate api key" && a.Actor == PortalKit.Manager);
    }

    [Fact]
    public async Task Rotating_after_confirming_replaces_the_key_the_old_one_gets_401()
    {
        var s = await SeedAsync();
        var cut = Open(s.Publisher);

        cut.Find("#publisher-key-rotate").Click();
        cut.WaitForElement("#publisher-confirm", PortalKit.Wait).Click();
        var shown = cut.WaitForElement("input#publisher-key-value", PortalKit.Wait).GetAttribute("value")!;

        Assert.NotEqual(s.ApiKey, shown);
        Assert.Equal(HttpStatusCode.OK, await PostLeadAsync(shown, s.Campaign));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostLeadAsync(s.ApiKey!, s.Campaign));
    }

    [Fact]
    public async Task Revoking_after_confirming_makes_the_key_401()
    {
        var s = await SeedAsync();
        var cut = Open(s.Publisher);
        Assert.Equal(HttpStatusCode.OK, await PostLeadAsync(s.ApiKey!, s.Campaign));

        cut.Find("#publisher-key-revoke").Click();
        cut.WaitForElement("#publisher-confirm", PortalKit.Wait).Click();

        cut.WaitForAssertion(() => Assert.Equal("none", cut.Find("#publisher-key-state").TextContent.Trim()), PortalKit.Wait);
        Assert.Contains("Create key", cut.Find("#publisher-key-rotate").TextContent);
        Assert.Equal(HttpStatusCode.Unauthorized, await PostLeadAsync(s.ApiKey!, s.Campaign));
        Assert.Contains(await Host.AuditAsync(s.Publisher), a => a.Action == "revoke api key" && a.Actor == PortalKit.Manager);
    }

    [Fact]
    public async Task Deleting_a_publisher_that_posted_leads_is_refused_with_the_reason()
    {
        var s = await SeedAsync();
        Assert.Equal(HttpStatusCode.OK, await PostLeadAsync(s.ApiKey!, s.Campaign));
        var cut = Open(s.Publisher);

        cut.Find("#publisher-delete").Click();
        cut.WaitForElement("#publisher-confirm", PortalKit.Wait).Click();

        cut.WaitForAssertion(() => Assert.Contains("it has posted leads; deactivate it instead", cut.Find("#publisher-delete-refused").TextContent), PortalKit.Wait);
        Assert.Contains((await Host.ExportAsync()).Publishers, p => p.Key == s.Publisher);

        cut.Find("#publisher-deactivate").Click();

        cut.WaitForAssertion(() => Assert.Contains($"Publisher {s.Publisher} deactivated.", cut.Markup), PortalKit.Wait);
        Assert.False((await StoredAsync(s.Publisher)).Active);
    }

    [Fact]
    public async Task Deleting_an_unused_publisher_after_confirming_removes_it()
    {
        var s = await SeedAsync();
        var cut = Open(s.Publisher);

        cut.Find("#publisher-delete").Click();
        cut.WaitForElement("#publisher-confirm", PortalKit.Wait).Click();

        cut.WaitForAssertion(() => Assert.Contains($"Publisher {s.Publisher} deleted.", cut.Markup), PortalKit.Wait);
        Assert.DoesNotContain((await Host.ExportAsync()).Publishers, p => p.Key == s.Publisher);
        Assert.Contains(await Host.AuditAsync(s.Publisher), a => a.Action == "delete" && a.Actor == PortalKit.Manager);
    }
}
