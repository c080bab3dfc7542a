using System.Net;
using System.Net.Http.Json;
using Bunit;
using LeadHub.Core.Reviews;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Api;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Components.Layout;
using LeadHub.Web.Components.Pages.Alerts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

// Alerts as a manager triages them: how urgent, what is unread, and the suggested action done in place.
public sealed class AlertsTriageTests(LeadHubFactory host) : PortalTestContext(host)
{
    private AlertService Service => Host.Services.GetRequiredService<AlertService>();

    private async Task<AlertRow> StatusAsync(long id)
    {
        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        return await db.Alerts.AsNoTracking().SingleAsync(a => a.Id == id);
    }

    [Fact]
    public async Task Each_alert_shows_its_severity_and_the_list_filters_on_it()
    {
        var critical = await Service.RaiseAsync(AlertKinds.PostOutcomeUnknown, TestWorkspace.Unique("lost"), "a post's outcome is unknown");
        var info = await Service.RaiseAsync(AlertKinds.PingFatigue, TestWorkspace.Unique("tired"), "too many pings");
        var cut = RenderPage<Alerts>();
        cut.WaitForAssertion(() => cut.Find($"#alert-severity-{info.Id}"));

        Assert.Equal("critical", cut.Find($"#alert-severity-{critical.Id}").TextContent.Trim());
        Assert.Equal("info", cut.Find($"#alert-severity-{info.Id}").TextContent.Trim());

        cut.Choose("alerts-severity", "critical");

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll($"#alert-severity-{info.Id}")));
        Assert.NotNull(cut.Find($"#alert-severity-{critical.Id}"));
    }

    [Fact]
    public async Task The_menu_counts_unread_alerts_live_and_mark_all_read_clears_it()
    {
        await Service.MarkAllReadAsync("setup");
        var menu = RenderPage<NavMenu>();
        menu.WaitForAssertion(() => Assert.Empty(menu.FindAll("#nav-alerts-unread")));

        var first = await Service.RaiseAsync(AlertKinds.BuyerRejects, TestWorkspace.Unique("picky"), "rejects");
        await Service.RaiseAsync(AlertKinds.FallbackIdle, TestWorkspace.Unique("idle"), "idle");

        menu.WaitForAssertion(() => Assert.Equal("2", menu.Find("#nav-alerts-unread").TextContent.Trim()));
        await Service.SetStatusAsync(first.Id, AlertStatus.Acknowledged, PortalKit.Manager);
        menu.WaitForAssertion(() => Assert.Equal("1", menu.Find("#nav-alerts-unread").TextContent.Trim()));
        await Service.MarkAllReadAsync(PortalKit.Manager);
        menu.WaitForAssertion(() => Assert.Empty(menu.FindAll("#nav-alerts-unread")));
    }

    [Fact]
    public async Task Mark_all_read_on_the_page_reads_every_open_alert_and_records_who()
    {
        var alert = await Service.RaiseAsync(AlertKinds.FallbackIdle, TestWorkspace.Unique("idle"), "idle");
        var cut = RenderPage<Alerts>();
        cut.WaitForAssertion(() => cut.Find("#alerts-mark-all-read"));
        Assert.NotEqual("0 unread", cut.Find("#alerts-unread").TextContent.Trim());

        cut.Find("#alerts-mark-all-read").Click();

        cut.WaitForAssertion(() => Assert.Equal("0 unread", cut.Find("#alerts-unread").TextContent.Trim()));
        var read = await StatusAsync(alert.Id);
        Assert.Equal((AlertStatus.Acknowledged, PortalKit.Manager), (read.Status, read.HandledBy));
    }

    [Fact]
    public async Task A_bad_source_alert_blocks_its_sub_id_after_confirmation_and_its_leads_are_then_refused()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("camp-block"));
        var publisher = TestWorkspace.Unique("pub-block");
        var apiKey = "pk-" + Guid.NewGuid().ToString("N");
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign], Publishers = [TestWorkspace.Publisher(publisher, apiKey, campaign.Key)],
        }, "seed"));
        var alert = await Service.RaiseAsync(AlertKinds.SourceQuality, $"{publisher}/fb-bad", "Source is bad. Check the traffic quality or block the sub-id.");
        var cut = RenderPage<Alerts>();
        cut.WaitForAssertion(() => cut.Find($"#alert-block-{alert.Id}"));

        cut.Find($"#alert-block-{alert.Id}").Click();
        cut.WaitForAssertion(() => Assert.Contains("Block this sub-id?", cut.Markup));
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Block sub-id").Click();

        await PortalKit.UntilAsync(async () => (await StatusAsync(alert.Id)).Status == AlertStatus.Resolved);
        Assert.Equal(["fb-bad"], (await Host.ExportAsync()).Publishers.Single(p => p.Key == publisher).BlockedSubIds);
        Assert.Contains(await Host.AuditAsync(publisher), a => a.Actor == PortalKit.Manager);
        using var client = Host.Publisher(apiKey);
        var refused = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign.Key, subId: "fb-bad"));
        Assert.Contains("fb-bad", (await ApiAssert.ProblemAsync(refused, HttpStatusCode.Forbidden)).GetProperty("detail").GetString());
        var other = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign.Key, subId: "fb-good"));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task A_viewer_sees_severity_but_no_block_or_read_buttons()
    {
        var alert = await Service.RaiseAsync(AlertKinds.SourceQuality, "some-pub/sub", "bad");
        SignInAs(Roles.Viewer);

        var cut = RenderPage<Alerts>();

        cut.WaitForAssertion(() => cut.Find($"#alert-severity-{alert.Id}"));
        Assert.Empty(cut.FindAll($"#alert-block-{alert.Id}"));
        Assert.Empty(cut.FindAll("#alerts-mark-all-read"));
        await cut.InvokeAsync(() => cut.FindComponent<Alerts>().Instance.MarkAllReadAsync());
        Assert.Equal(AlertStatus.Open, (await StatusAsync(alert.Id)).Status);
    }
}
