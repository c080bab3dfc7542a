using System.Net.Http.Json;
using System.Text.Json;
using Bunit;
using Bunit.Rendering;
using LeadHub.Core.Kpis;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using LeadHub.Tests.Kpis;
using LeadHub.Web.Components.Pages;
using LeadHub.Web.Components.Pages.Leads;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace LeadHub.Tests.Portal;

// The dashboard's figures say what they mean: ping-to-post without direct posts, gaps where a
// bucket has nothing to divide by, bars that fit the range, losses in red, names instead of keys,
// and each figure's definition on hover.
public sealed class DashboardFiguresTests(LeadHubFactory host) : PortalTestContext(host)
{
    // Every lead: one ping to the ping-post buyer, whose post is rejected, then a direct post to
    // the fallback buyer at $5, which accepts. The publisher is paid a fixed $7: a loss per lead.
    // The buyers' names are the scenario's own: the tests share one host, and the buyer filter picks by name.
    private sealed record Scenario(string Campaign, string CampaignName, string Pinger, string Direct, string ApiKey, int Number)
    {
        public string PingerName => $"Pinger Insurance Co No. {Number}";
        public string DirectName => $"Direct Mortgage Ltd No. {Number}";
    }

    private static int _scenarios;

    private async Task<Scenario> CreateAsync(LoopbackBuyers buyers)
    {
        var campaign = TestWorkspace.Unique("fig");
        var pinger = TestWorkspace.Unique("pinger");
        var direct = TestWorkspace.Unique("direct");
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        var number = Interlocked.Increment(ref _scenarios);
        buyers.Set(pinger, new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Reject("duplicate") });
        buyers.Set(direct, new BuyerBehaviour { Post = BuyerAnswer.Accept() });
        var name = "Figures " + campaign;
        await Host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [TestWorkspace.Campaign(campaign, auctionTimeoutMs: 10_000) with { Name = name }],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("fig-pub"), apiKey, campaign) with
                { Payout = new PayoutConfig { Model = PayoutModels.Fixed, Amount = 7m } }],
            Buyers =
            [
                TestWorkspace.Buyer(pinger, TestWorkspace.PingPost(pinger + "-c", campaign, buyers.PingUrl(pinger), buyers.PostUrl(pinger), timeoutMs: 10_000))
                    with { Name = $"Pinger Insurance Co No. {number}" },
                TestWorkspace.Buyer(direct, TestWorkspace.DirectPost(direct + "-c", campaign, buyers.PostUrl(direct), 5m)) with { Name = $"Direct Mortgage Ltd No. {number}" },
            ],
        });
        return new Scenario(campaign, name, pinger, direct, apiKey, number);
    }

    private async Task SellAsync(Scenario s, int leads)
    {
        var post = new KpiScenario(s.Campaign, "", s.ApiKey, "", "");
        for (var i = 0; i < leads; i++) Assert.Equal("sold", await post.PostAsync(Host, post.ValidLead()));
    }

    private IRenderedComponent<ContainerFragment> Render(string campaignName, string preset)
    {
        var cut = RenderPage<Home>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("#kpi-cards")));
        cut.Choose("dash-campaign", campaignName);
        cut.Find($"#preset-{preset}").Click();
        return cut;
    }

    private static string Card<T>(IRenderedComponent<T> cut, string id) where T : IComponent =>
        cut.Find($"#{id} .mud-typography-h5").TextContent.Trim();

    [Fact]
    public async Task Ping_to_post_leaves_direct_posts_out_so_it_never_exceeds_100_percent()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await CreateAsync(buyers);
        await SellAsync(s, 2);

        var cut = Render(s.CampaignName, "hour");

        // 2 pings, 2 posts after them, 2 direct posts: 100 %, where posts / pings read 200 %.
        cut.WaitForAssertion(() => Assert.Equal("2", Card(cut, "kpi-leads")));
        Assert.Equal("100.0 %", Card(cut, "kpi-ping-to-post"));
        Assert.Equal("50.0 %", Card(cut, "kpi-reject-rate"));
        var pinger = cut.FindAll("#by-buyer tbody tr").Single(r => r.TextContent.Contains(s.PingerName));
        Assert.Equal("100.0 %", pinger.QuerySelector(".kpi-ping-to-post")!.TextContent.Trim());
        // A buyer that is only posted to directly has no pings: no ratio, not 0 % or ∞.
        var direct = cut.FindAll("#by-buyer tbody tr").Single(r => r.TextContent.Contains(s.DirectName));
        Assert.Equal("—", direct.QuerySelector(".kpi-ping-to-post")!.TextContent.Trim());
    }

    [Fact]
    public async Task Buyers_show_by_name_with_the_key_on_hover_and_their_leads_are_the_leads_offered_to_them()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await CreateAsync(buyers);
        await SellAsync(s, 2);

        var cut = Render(s.CampaignName, "hour");

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("#by-buyer tbody tr").Count));
        var rows = cut.FindAll("#by-buyer tbody tr");
        var pinger = rows.Single(r => r.QuerySelector(".kpi-key")!.TextContent.Trim() == s.PingerName);
        Assert.Equal(s.Pinger, pinger.QuerySelector(".kpi-key span")!.GetAttribute("title"));
        Assert.DoesNotContain(s.Pinger, pinger.TextContent);
        // Offered two leads, bought none: "leads" is not a copy of "sold".
        Assert.Equal("2", pinger.QuerySelector(".kpi-leads")!.TextContent.Trim());
        Assert.Equal("0", pinger.QuerySelector(".kpi-sold")!.TextContent.Trim());
        var direct = rows.Single(r => r.QuerySelector(".kpi-key")!.TextContent.Trim() == s.DirectName);
        Assert.Equal("2", direct.QuerySelector(".kpi-leads")!.TextContent.Trim());
        Assert.Equal("100.0 %", direct.QuerySelector(".kpi-win-rate")!.TextContent.Trim());
        Assert.Contains(KpiDefinitions.Offered.ColumnTitle, cut.Find("#by-buyer thead .col-leads").TextContent);
        // The campaign row and the campaign filter show the campaign's name too.
        Assert.Equal(s.CampaignName, cut.Find("#by-campaign tbody .kpi-key").TextContent.Trim());
        Assert.Equal(s.Campaign, cut.Find("#by-campaign tbody .kpi-key span").GetAttribute("title"));
    }

    [Fact]
    public async Task In_one_buyers_slice_the_cards_count_the_leads_offered_to_it_and_its_win_rate()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await CreateAsync(buyers);
        await SellAsync(s, 2);
        var cut = Render(s.CampaignName, "hour");
        cut.WaitForAssertion(() => Assert.Equal("2", Card(cut, "kpi-leads")));

        cut.Choose("dash-buyer", s.PingerName);

        // The title changes with the filter at once; the figure when the slice's query answered.
        cut.WaitForAssertion(() =>
        {
            Assert.Contains(KpiDefinitions.Offered.Name, cut.Find("#kpi-leads").TextContent);
            Assert.Equal("2", Card(cut, "kpi-leads"));
        });
        Assert.Contains(KpiDefinitions.WinRate.Name, cut.Find("#kpi-sell-through").TextContent);
        Assert.Equal("0.0 %", Card(cut, "kpi-sell-through"));
    }

    [Fact]
    public async Task A_negative_margin_is_red_on_the_card_and_in_every_breakdown()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await CreateAsync(buyers);
        await SellAsync(s, 2);

        var cut = Render(s.CampaignName, "hour");

        // $10 of sales − 2 × $7 of payouts.
        cut.WaitForAssertion(() => Assert.Equal("-$4.00", Card(cut, "kpi-margin")));
        Assert.Contains("mud-error-text", cut.Find("#kpi-margin .mud-typography-h5").ClassList);
        foreach (var table in new[] { "by-campaign", "by-publisher" })
        {
            var margin = cut.Find($"#{table} tbody .kpi-margin");
            Assert.Equal("-$4.00", margin.TextContent.Trim());
            Assert.Contains("mud-error-text", margin.ClassList);
        }
        var direct = cut.FindAll("#by-buyer tbody tr").Single(r => r.TextContent.Contains(s.DirectName));
        Assert.Contains("mud-error-text", direct.QuerySelector(".kpi-margin")!.ClassList);
        // A positive (or zero) margin stays in the normal colour: the pinger sold nothing, paid nothing.
        var pinger = cut.FindAll("#by-buyer tbody tr").Single(r => r.TextContent.Contains(s.PingerName));
        Assert.DoesNotContain("mud-error-text", pinger.QuerySelector(".kpi-margin")!.ClassList);
        Assert.DoesNotContain("mud-error-text", cut.Find("#kpi-revenue .mud-typography-h5").ClassList);
    }

    [Fact]
    public async Task A_lead_sold_for_less_than_its_payout_shows_its_margin_in_red()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await CreateAsync(buyers);
        using var publisher = Host.Publisher(s.ApiKey);
        var answer = await (await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sold", answer.GetProperty("status").GetString());

        var cut = RenderPage<LeadDetail>(("Id", answer.GetProperty("leadId").GetGuid()));

        // Sold at $5, the publisher paid $7.
        cut.WaitForAssertion(() => Assert.Equal("-$2.00", cut.Find("#lead-margin .mud-typography-h5").TextContent.Trim()));
        Assert.Contains("mud-error-text", cut.Find("#lead-margin .mud-typography-h5").ClassList);
    }

    [Fact]
    public async Task Days_without_leads_are_gaps_in_the_lines_and_rates_with_nothing_to_divide_by_show_a_dash()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await CreateAsync(buyers);
        await SellAsync(s, 1);

        var cut = Render(s.CampaignName, "7d");

        cut.WaitForAssertion(() => Assert.Equal("1", Card(cut, "kpi-leads")));
        // The bucket label follows the figures, which arrive later on PostgreSQL: wait for it too.
        cut.WaitForAssertion(() => Assert.Equal("per day", cut.Find("#chart-leads-bucket").TextContent.Trim()));
        var lines = cut.FindComponents<MudChart<double>>().Where(c => c.Instance.ChartType == ChartType.Line).ToList();
        Assert.Equal(2, lines.Count);
        foreach (var chart in lines)
        {
            Assert.False(((LineChartOptions)chart.Instance.ChartOptions!).ConnectNullPoints);
            foreach (var series in chart.Instance.ChartSeries)
            {
                var points = series.Data.Points;
                // Only today had leads: every earlier day is a gap, not $0 or 0 %.
                Assert.True(points[^1].HasValue, series.Name);
                Assert.All(points.Take(points.Count - 1), p => Assert.False(p.HasValue, series.Name));
            }
        }
        // Counts are real zeros: a day without leads had 0 leads.
        var bars = cut.FindComponents<MudChart<double>>().Single(c => c.Instance.ChartType == ChartType.Bar);
        Assert.All(bars.Instance.ChartSeries[0].Data.Points, p => Assert.True(p.HasValue));

        // The previous 7 days had no traffic: no change to compute, and no rate of nothing.
        Assert.Equal("no data to compare", cut.Find("#kpi-sell-through .mud-typography-caption:last-child").TextContent.Trim());
    }

    [Fact]
    public async Task A_campaign_without_traffic_shows_a_dash_for_every_rate_not_0_percent()
    {
        var empty = TestWorkspace.Unique("fig-empty");
        await Host.ImportAsync(new WorkspaceDocument { Campaigns = [TestWorkspace.Campaign(empty)] });
        var quiet = Render(empty, "today");
        quiet.WaitForAssertion(() => Assert.Equal("0", Card(quiet, "kpi-leads")));
        foreach (var id in new[] { "kpi-rpl", "kpi-sell-through", "kpi-average-bid", "kpi-ping-to-post", "kpi-reject-rate", "kpi-return-rate" })
            Assert.Equal("—", Card(quiet, id));
    }

    [Theory]
    [InlineData("hour", "per 5 minutes")]
    [InlineData("today", TodaysBucket)]
    [InlineData("7d", "per day")]
    [InlineData("30d", "per day")]
    [InlineData("90d", "per week")]
    public async Task The_leads_chart_picks_its_bar_size_from_the_range_so_it_never_has_more_than_40_bars(string preset, string per)
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await CreateAsync(buyers);
        // Today runs from midnight (UTC, the portal user's zone here) to now: its bars are minutes until
        // about 00:40, then 5 minutes, 15 minutes and, from about 09:45, an hour. Taken before and after the page loads, in case the hour turns meanwhile.
        var before = TodaysBucketNow();

        var cut = Render(s.CampaignName, preset);

        cut.WaitForAssertion(() => Assert.Contains(cut.Find("#chart-leads-bucket").TextContent.Trim(),
            per == TodaysBucket ? [before, TodaysBucketNow()] : new[] { per }));
        var bars = cut.FindComponents<MudChart<double>>().Single(c => c.Instance.ChartType == ChartType.Bar).Instance;
        Assert.InRange(bars.ChartSeries[0].Data.Count, 1, KpiQueries.MaxBuckets);
        // A readable axis: a handful of labels, none empty-looking garbage, and every label a time or date.
        var labels = bars.ChartLabels.Where(l => l != "").ToList();
        Assert.InRange(labels.Count, 1, 8);
    }

    private const string TodaysBucket = "(today's)";

    private static string TodaysBucketNow()
    {
        // The page's own names for every bar size (a copy of them lacked minutes and failed CI at 00:20).
        var now = DateTimeOffset.UtcNow;
        return "per " + Home.BucketName(KpiQueries.BucketFor(now - new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData(60, KpiBucket.FiveMinutes)]
    [InlineData(6 * 60, KpiBucket.QuarterHour)]
    [InlineData(24 * 60, KpiBucket.Hour)]
    [InlineData(7 * 24 * 60, KpiBucket.Day)]
    [InlineData(31 * 24 * 60, KpiBucket.Day)]
    [InlineData(90 * 24 * 60, KpiBucket.Week)]
    [InlineData(30, KpiBucket.Minute)]
    public void Bucket_size_is_the_smallest_that_draws_the_range_in_at_most_40_bars(int minutes, KpiBucket expected)
    {
        var range = TimeSpan.FromMinutes(minutes);
        Assert.Equal(expected, KpiQueries.BucketFor(range));
        var from = new DateTimeOffset(2026, 11, 30, 13, 7, 0, TimeSpan.Zero);
        var count = 0;
        for (var t = KpiQueries.BucketStart(from, expected); t < from + range; t += KpiQueries.Length(expected)) count++;
        Assert.InRange(count, 1, KpiQueries.MaxBuckets);
    }

    [Fact]
    public void Day_and_week_bars_start_at_midnight_in_the_readers_zone_on_both_sides_of_a_daylight_saving_change()
    {
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        // 2026-11-01, a Sunday, is the day New York falls back: midnight before is 04:00 UTC (EDT), after 05:00 UTC (EST).
        var sundayAfternoon = new DateTimeOffset(2026, 11, 1, 20, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 4, 0, 0, TimeSpan.Zero), KpiQueries.BucketStart(sundayAfternoon, KpiBucket.Day, newYork));
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 5, 0, 0, TimeSpan.Zero), KpiQueries.BucketStart(sundayAfternoon.AddDays(1), KpiBucket.Day, newYork));
        // 02:00 UTC on Monday is still Sunday evening in New York: the week that began on Monday 2026-10-26.
        Assert.Equal(new DateTimeOffset(2026, 10, 26, 4, 0, 0, TimeSpan.Zero),
            KpiQueries.BucketStart(new DateTimeOffset(2026, 11, 2, 2, 0, 0, TimeSpan.Zero), KpiBucket.Week, newYork));
        // Hours follow the zone's clock: India's start at :30 UTC.
        var india = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 19, 30, 0, TimeSpan.Zero), KpiQueries.BucketStart(sundayAfternoon, KpiBucket.Hour, india));
    }

    [Fact]
    public void A_week_bar_starts_on_Monday_at_midnight_UTC()
    {
        var sunday = new DateTimeOffset(2026, 11, 29, 22, 30, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), KpiQueries.BucketStart(sunday, KpiBucket.Week));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), KpiQueries.BucketStart(sunday.AddHours(2), KpiBucket.Week));
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 22, 30, 0, TimeSpan.Zero), KpiQueries.BucketStart(sunday.AddMinutes(14), KpiBucket.QuarterHour));
    }

    [Fact]
    public async Task Every_figure_shows_its_definition_on_hover()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await CreateAsync(buyers);
        await SellAsync(s, 1);
        var cut = Render(s.CampaignName, "hour");
        cut.WaitForAssertion(() => Assert.Equal("1", Card(cut, "kpi-leads")));

        cut.Find("#kpi-ping-to-post .kpi-definition").PointerEnter();
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll(".mud-tooltip"), t => t.TextContent.Contains(KpiDefinitions.PingToPost.Definition)));

        // Every card and every column title of the breakdowns carries a definition.
        Assert.Equal(9, cut.FindAll("#kpi-cards .kpi-definition").Count);
        foreach (var table in new[] { "by-campaign", "by-publisher", "by-buyer" })
            Assert.Equal(cut.FindAll($"#{table} thead th").Count - 1, cut.FindAll($"#{table} thead .kpi-definition").Count);
        cut.Find("#by-buyer thead .col-leads .kpi-definition").PointerEnter();
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll(".mud-tooltip"), t => t.TextContent.Contains(KpiDefinitions.Offered.Definition)));
    }

    [Fact]
    public void README_lists_every_figure_with_the_definition_the_portal_shows()
    {
        var readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "README.md"));
        foreach (var d in KpiDefinitions.All)
            Assert.Contains($"| {d.Name} | {d.Definition} |", readme);
    }
}
