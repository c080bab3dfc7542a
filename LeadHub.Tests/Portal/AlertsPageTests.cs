using Bunit;
using LeadHub.Core.Reviews;
using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Alerts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

public sealed class AlertsPageTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<AlertRow> RaiseAsync() =>
        await Host.Services.GetRequiredService<AlertService>().RaiseAsync(AlertKinds.PingFatigue, TestWorkspace.Unique("tired"), "too many pings");

    private async Task<AlertRow> ReloadAsync(long id)
    {
        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        return await db.Alerts.AsNoTracking().SingleAsync(a => a.Id == id);
    }

    [Fact]
    public async Task Manager_acknowledges_then_resolves_an_alert_and_it_records_who()
    {
        var alert = await RaiseAsync();
        var cut = RenderPage<Alerts>();
        cut.WaitForAssertion(() => Assert.Contains(alert.Subject, cut.Find("#alerts-table").TextContent));

        cut.Find($"#alert-ack-{alert.Id}").Click();
        cut.WaitForAssertion(() => Assert.Contains("Alert marked read.", cut.Markup));
        Assert.Equal(AlertStatus.Acknowledged, (await ReloadAsync(alert.Id)).Status);
        cut.Find($"#alert-resolve-{alert.Id}").Click();

        cut.WaitForAssertion(() => Assert.Contains($"Alert {AlertStatus.Resolved}.", cut.Markup));
        Assert.Equal(AlertStatus.Resolved, (await ReloadAsync(alert.Id)).Status);
        Assert.Equal("manager@leadhub.test", (await ReloadAsync(alert.Id)).HandledBy);
        cut.WaitForAssertion(() => Assert.DoesNotContain(alert.Subject, cut.Find("#alerts-table").TextContent));
    }

    [Fact]
    public async Task Viewer_sees_alerts_but_cannot_handle_them()
    {
        var alert = await RaiseAsync();
        SignInAs(Roles.Viewer);
        var cut = RenderPage<Alerts>();
        cut.WaitForAssertion(() => Assert.Contains(alert.Subject, cut.Find("#alerts-table").TextContent));

        Assert.Empty(cut.FindAll($"#alert-ack-{alert.Id}"));
        await cut.InvokeAsync(() => cut.FindComponent<Alerts>().Instance.SetAsync(alert.Id, AlertStatus.Resolved));
        Assert.Equal(AlertStatus.Open, (await ReloadAsync(alert.Id)).Status);
    }
}
