using Bunit;
using Bunit.Rendering;
using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web.Components.Pages.Leads;
using LeadHub.Web.Components.Shared;
using LeadHub.Web.Portal;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

public sealed class LeadSearchFilterTests(LeadHubFactory host) : PortalTestContext(host)
{
    private List<string> Rows(IRenderedComponent<ContainerFragment> cut) =>
        cut.FindAll("#leads-table tbody tr").Select(r => r.TextContent).ToList();

    private IRenderedComponent<ContainerFragment> Open(string query)
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("leads" + query);
        return RenderPage<LeadSearch>();
    }

    [Fact]
    public async Task Several_statuses_at_once_from_a_shared_link()
    {
        var campaign = TestWorkspace.Unique("multi");
        var now = DateTimeOffset.UtcNow;
        await StoredLeads.AddAsync(Host, campaign, now, LeadStatus.Sold, externalId: "ext-sold");
        await StoredLeads.AddAsync(Host, campaign, now, LeadStatus.Unsold, externalId: "ext-unsold");
        await StoredLeads.AddAsync(Host, campaign, now, LeadStatus.Invalid, externalId: "ext-invalid");

        var cut = Open($"?status=sold&status=unsold&campaign={campaign}");

        cut.WaitForAssertion(() => Assert.Equal(2, Rows(cut).Count));
        Assert.DoesNotContain(Rows(cut), r => r.Contains("invalid"));
    }

    [Fact]
    public async Task Typing_an_external_id_filters_without_pressing_search_and_puts_it_in_the_url()
    {
        var campaign = TestWorkspace.Unique("ext");
        var now = DateTimeOffset.UtcNow;
        var wanted = await StoredLeads.AddAsync(Host, campaign, now, externalId: "pub-777");
        await StoredLeads.AddAsync(Host, campaign, now, externalId: "pub-778");
        var cut = Open($"?campaign={campaign}");
        cut.WaitForAssertion(() => Assert.Equal(2, Rows(cut).Count));

        cut.Find("input#leads-external-id").Input("pub-777");

        cut.WaitForAssertion(() => Assert.Single(Rows(cut)));
        Assert.Contains("externalId=pub-777", Services.GetRequiredService<NavigationManager>().Uri);
        cut.Find("tbody tr").Click();
        cut.WaitForAssertion(() => Assert.EndsWith($"leads/{wanted}", Services.GetRequiredService<NavigationManager>().Uri));
    }

    [Fact]
    public async Task Sub_id_and_zip_narrow_the_list()
    {
        var campaign = TestWorkspace.Unique("subzip");
        var now = DateTimeOffset.UtcNow;
        await StoredLeads.AddAsync(Host, campaign, now, subId: "fb-spring", zip: "94107");
        await StoredLeads.AddAsync(Host, campaign, now, subId: "fb-spring", zip: "10001");
        await StoredLeads.AddAsync(Host, campaign, now, subId: "google", zip: "94107");

        var bySub = Open($"?campaign={campaign}&subId=fb-spring");
        bySub.WaitForAssertion(() => Assert.Equal(2, Rows(bySub).Count));
        Assert.All(Rows(bySub), r => Assert.Contains("fb-spring", r));

        bySub.Find("input#leads-zip").Input("941");
        bySub.WaitForAssertion(() => Assert.Single(Rows(bySub)));
        Assert.Contains("zip=941", Services.GetRequiredService<NavigationManager>().Uri);
    }

    [Fact]
    public void A_zip_that_is_not_a_zip_says_so_and_changes_nothing()
    {
        var cut = RenderPage<LeadSearch>();
        cut.Find("input#leads-zip").Input("9410x");
        cut.WaitForAssertion(() => Assert.Contains("must be a US zip code", cut.Markup));
        Assert.DoesNotContain("zip=", Services.GetRequiredService<NavigationManager>().Uri);
    }

    // New York's "Today" starts at its midnight: a lead from the previous New York evening is not in it.
    [Fact]
    public async Task Today_in_new_york_leaves_out_the_previous_new_york_evening_and_shows_new_york_times()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var now = DateTimeOffset.UtcNow;
        var midnight = LeadHub.Web.Portal.ZoneTime.Instant(TimeZoneInfo.ConvertTime(now, zone).Date, zone);
        var campaign = TestWorkspace.Unique("nyc");
        await StoredLeads.AddAsync(Host, campaign, midnight.AddMinutes(-30), externalId: "last-night");
        var today = midnight + (now - midnight) / 2;
        await StoredLeads.AddAsync(Host, campaign, today, externalId: "this-morning");
        Services.GetRequiredService<UserTime>().Use(zone);

        var cut = Open($"?campaign={campaign}&range=today");

        cut.WaitForAssertion(() => Assert.Single(Rows(cut)));
        Assert.Contains(TimeZoneInfo.ConvertTime(today, zone).ToString("yyyy-MM-dd HH:mm:ss"), cut.Find("td.lead-received").TextContent);
        Assert.Contains("America/New_York", cut.Find("#leads-table thead").TextContent);
    }

    [Fact]
    public void Range_picker_offers_the_presets_and_reports_the_one_picked()
    {
        ReportRange? picked = null;
        var cut = Render<DateRangePicker>(p => p
            .Add(x => x.Value, ReportRange.Today)
            .Add(x => x.ValueChanged, (ReportRange r) => picked = r));

        Assert.Equal(["preset-hour", "preset-today", "preset-yesterday", "preset-7d", "preset-30d", "preset-90d", "preset-mtd", "preset-last-month", "preset-custom"],
            cut.FindAll("button").Select(b => b.Id));
        cut.Find("#preset-yesterday").Click();
        Assert.Equal("yesterday", picked?.Preset);

        cut.Find("#preset-custom").Click();
        cut.Find("#range-from input, input#range-from").Change("2026-11-30T08:00");
        Assert.Equal(new DateTime(2026, 11, 30, 8, 0, 0), picked?.CustomFrom);
    }
}
