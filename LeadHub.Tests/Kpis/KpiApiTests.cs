using System.Globalization;
using System.Net;
using System.Text.Json;
using LeadHub.Tests.Api;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Kpis;

public sealed class KpiApiTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>, IAsyncLifetime
{
    private LoopbackBuyers _buyers = null!;

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync() => await _buyers.DisposeAsync();

    private static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O", CultureInfo.InvariantCulture));

    private async Task<JsonElement> KpisAsync(string query)
    {
        using var admin = host.Admin();
        return await ApiAssert.OkJsonAsync(await admin.GetAsync("/api/v1/admin/kpis?" + query));
    }

    [Fact]
    public async Task Figures_of_a_known_set_of_leads_follow_the_contract_definitions()
    {
        var s = await KpiScenario.CreateAsync(host, _buyers);
        var first = s.ValidLead();
        Assert.Equal("sold", await s.PostAsync(host, first));
        Assert.Equal("sold", await s.PostAsync(host, s.ValidLead()));
        Assert.Equal("sold", await s.PostAsync(host, s.ValidLead()));
        Assert.Equal("invalid", await s.PostAsync(host, s.InvalidLead()));
        Assert.Equal("duplicate", await s.PostAsync(host, first));
        // A test lead is routed (to sandbox contracts only) but never counted.
        await s.PostAsync(host, TestWorkspace.Lead(s.Campaign, test: true));

        var now = DateTimeOffset.UtcNow;
        var kpis = await KpisAsync($"campaign={s.Campaign}&bucket=hour&from={Iso(now.AddHours(-2))}&to={Iso(now)}");

        var t = kpis.GetProperty("totals");
        Assert.Equal(5, t.GetProperty("leads").GetInt64());
        Assert.Equal(3, t.GetProperty("valid").GetInt64());
        Assert.Equal(1, t.GetProperty("invalid").GetInt64());
        Assert.Equal(1, t.GetProperty("duplicates").GetInt64());
        Assert.Equal(3, t.GetProperty("sold").GetInt64());
        Assert.Equal(30m, t.GetProperty("revenue").GetDecimal());
        Assert.Equal(21m, t.GetProperty("payout").GetDecimal());
        Assert.Equal(9m, t.GetProperty("margin").GetDecimal());            // revenue − payouts
        Assert.Equal(6m, t.GetProperty("revenuePerLead").GetDecimal());    // 30.00 / 5 leads
        Assert.Equal(1.0, t.GetProperty("sellThrough").GetDouble());       // 3 sold / 3 valid
        Assert.Equal(6, t.GetProperty("pings").GetInt64());
        Assert.Equal(15m, t.GetProperty("averageBid").GetDecimal());       // (20 + 10) × 3 / 6
        Assert.Equal(6, t.GetProperty("posts").GetInt64());
        Assert.Equal(1.0, t.GetProperty("pingToPost").GetDouble());        // 6 posts / 6 pings
        Assert.Equal(0.5, t.GetProperty("rejectRate").GetDouble());        // 3 rejected / 6 posts
        Assert.Equal(0.0, t.GetProperty("returnRate").GetDouble());
        Assert.Equal(0, kpis.GetProperty("previous").GetProperty("leads").GetInt64());

        // One row per hour of the range; together they are the totals.
        var buckets = kpis.GetProperty("buckets").EnumerateArray().ToList();
        Assert.InRange(buckets.Count, 2, 3);
        Assert.Equal(5, buckets.Sum(b => b.GetProperty("figures").GetProperty("leads").GetInt64()));
        Assert.All(buckets, b => Assert.Equal(0, b.GetProperty("start").GetDateTimeOffset().Minute));

        var byBuyer = kpis.GetProperty("byBuyer").EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("figures"));
        Assert.Equal(3, byBuyer[s.Steady].GetProperty("sold").GetInt64());
        Assert.Equal(0, byBuyer[s.Rich].GetProperty("leads").GetInt64());
        Assert.Equal(3, byBuyer[s.Rich].GetProperty("rejects").GetInt64());
        Assert.Equal(2, byBuyer[""].GetProperty("leads").GetInt64()); // the invalid and the duplicate lead

        // A buyer slice: the leads it bought and its own pings and posts.
        var rich = (await KpisAsync($"campaign={s.Campaign}&buyer={s.Rich}&bucket=day")).GetProperty("totals");
        Assert.Equal(3, rich.GetProperty("pings").GetInt64());
        Assert.Equal(1.0, rich.GetProperty("rejectRate").GetDouble());
        Assert.Equal(0, rich.GetProperty("leads").GetInt64());
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-45", "to")]
    [InlineData("bucket=month", "bucket")]
    [InlineData("from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z", "to")]
    [InlineData("from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from")]
    [InlineData("from=2026-05-01T00:00:00Z&to=2026-05-03T00:00:00Z&bucket=minute", "bucket")]
    public async Task Bad_range_or_bucket_is_a_400_naming_the_parameter(string query, string field)
    {
        using var admin = host.Admin();
        var problem = await ApiAssert.ProblemAsync(await admin.GetAsync("/api/v1/admin/kpis?" + query), HttpStatusCode.BadRequest);
        ApiAssert.Errors(problem, field);
    }

    [Fact]
    public async Task Kpis_need_the_admin_token()
    {
        using var anonymous = host.CreateClient();
        await ApiAssert.ProblemAsync(await anonymous.GetAsync("/api/v1/admin/kpis"), HttpStatusCode.Unauthorized);
    }
}
