using Bunit;
using Bunit.Rendering;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using LeadHub.Tests.Kpis;
using LeadHub.Web.Components.Pages;
using Microsoft.AspNetCore.Components;

namespace LeadHub.Tests.Portal;

public sealed class DashboardTests(LeadHubFactory host) : PortalTestContext(host)
{
    private static string Card<T>(IRenderedComponent<T> cut, string id) where T : IComponent =>
        cut.Find($"#{id} .mud-typography-h5").TextContent.Trim();

    // The dashboard of one campaign's last hour: the figures of this test's leads only.
    private IRenderedComponent<ContainerFragment> RenderDashboard(string campaign)
    {
        var cut = RenderPage<Home>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("#kpi-cards")));
        cut.Choose("dash-campaign", campaign);
        cut.Find("#preset-hour").Click();
        return cut;
    }

    [Fact]
    public async Task Cards_charts_and_breakdowns_render_from_known_data()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await KpiScenario.CreateAsync(Host, buyers);
        Assert.Equal("sold", await s.PostAsync(Host, s.ValidLead()));
        Assert.Equal("sold", await s.PostAsync(Host, s.ValidLead()));
        Assert.Equal("invalid", await s.PostAsync(Host, s.InvalidLead()));

        var cut = RenderDashboard(s.Campaign);

        cut.WaitForAssertion(() => Assert.Equal("3", Card(cut, "kpi-leads")));
        Assert.Equal("$20.00", Card(cut, "kpi-revenue"));
        Assert.Equal("$6.67", Card(cut, "kpi-rpl"));          // 20.00 / 3 leads
        Assert.Equal("$6.00", Card(cut, "kpi-margin"));       // 20.00 − 2 × 7.00
        Assert.Equal("100.0 %", Card(cut, "kpi-sell-through"));
        Assert.Equal("$15.00", Card(cut, "kpi-average-bid"));
        Assert.Equal("100.0 %", Card(cut, "kpi-ping-to-post"));
        Assert.Equal("50.0 %", Card(cut, "kpi-reject-rate"));
        Assert.Equal("0.0 %", Card(cut, "kpi-return-rate"));
        Assert.Contains("vs previous", cut.Find("#kpi-leads").TextContent);

        foreach (var chart in new[] { "chart-money", "chart-rates", "chart-leads" })
            Assert.NotEmpty(cut.FindAll($"#{chart} svg"));
        Assert.Contains("Revenue per lead", cut.Find("#chart-money").TextContent);
        Assert.Contains("Reject rate", cut.Find("#chart-rates").TextContent);

        var buyerRows = cut.FindAll("#by-buyer tbody tr").Select(r => r.TextContent).ToList();
        Assert.Contains(buyerRows, r => r.Contains(s.Steady) && r.Contains("$20.00"));
        Assert.Contains(buyerRows, r => r.Contains(s.Rich) && r.Contains("100.0 %")); // every post to rich was rejected
        Assert.Contains(s.Publisher, cut.Find("#by-publisher").TextContent);
    }

    [Fact]
    public async Task A_new_sold_lead_updates_the_cards_without_a_reload()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await KpiScenario.CreateAsync(Host, buyers);
        Assert.Equal("sold", await s.PostAsync(Host, s.ValidLead()));
        var cut = RenderDashboard(s.Campaign);
        cut.WaitForAssertion(() => Assert.Equal("1", Card(cut, "kpi-leads")));

        // Nothing touches the page: the writer's event and the refresh loop push the new figures.
        Assert.Equal("sold", await s.PostAsync(Host, s.ValidLead()));

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("2", Card(cut, "kpi-leads"));
            Assert.Equal("$20.00", Card(cut, "kpi-revenue"));
        });
    }
}
