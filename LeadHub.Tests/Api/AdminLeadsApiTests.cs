using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Api;

// CONTRACT §4 admin read endpoints: one lead with its trace, and a filtered page of leads.
public class AdminLeadsApiTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    private static string Q(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O"));

    private static Guid[] Ids(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("leadId").GetGuid()).ToArray();

    // Four leads of one publisher (two sold, one unsold, one invalid) and one of another.
    private async Task<(ApiScenario S, string OtherPublisher, Guid[] Leads)> SeedAsync(LoopbackBuyers buyers)
    {
        var s = await ApiScenario.CreateAsync(factory, buyers);
        var (otherPublisher, otherKey) = await s.AddPublisherAsync(factory);
        using var mine = factory.Publisher(s.ApiKey);
        using var theirs = factory.Publisher(otherKey);
        var ids = new List<Guid>();
        async Task Post(HttpClient client, object lead, HttpStatusCode expected = HttpStatusCode.OK)
        {
            var response = await client.PostAsJsonAsync("/api/v1/leads", lead);
            var json = expected == HttpStatusCode.OK
                ? await ApiAssert.OkJsonAsync(response)
                : await ApiAssert.ProblemAsync(response, expected);
            ids.Add(json.GetProperty("leadId").GetGuid());
        }
        await Post(mine, TestWorkspace.Lead(s.Campaign));
        await Post(mine, TestWorkspace.Lead(s.Campaign, new { state = "ZZ" }), HttpStatusCode.UnprocessableEntity);
        await Post(mine, TestWorkspace.Lead(s.Campaign));
        buyers.Set(s.Buyer, new BuyerBehaviour { Ping = BuyerAnswer.Pass() });
        await Post(mine, TestWorkspace.Lead(s.Campaign));
        await Post(theirs, TestWorkspace.Lead(s.Campaign));
        return (s, otherPublisher, ids.ToArray());
    }

    [Fact]
    public async Task Lead_list_filters_by_campaign_publisher_and_status()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (s, other, ids) = await SeedAsync(buyers);
        var c = Uri.EscapeDataString(s.Campaign);

        var all = await AdminReads.LeadsAsync(factory, $"campaign={c}");
        Assert.Equal(5, all.GetProperty("total").GetInt32());
        // Newest first.
        Assert.Equal(ids.Reverse().ToArray(), Ids(all));
        Assert.All(all.GetProperty("items").EnumerateArray(), i => Assert.Equal(s.Campaign, i.GetProperty("campaign").GetString()));

        var mine = await AdminReads.LeadsAsync(factory, $"campaign={c}&publisher={s.Publisher}");
        Assert.Equal(4, mine.GetProperty("total").GetInt32());
        var theirs = await AdminReads.LeadsAsync(factory, $"campaign={c}&publisher={other}");
        Assert.Equal([ids[4]], Ids(theirs));

        var sold = await AdminReads.LeadsAsync(factory, $"campaign={c}&status=sold");
        Assert.Equal(2, sold.GetProperty("total").GetInt32());
        Assert.All(sold.GetProperty("items").EnumerateArray(), i => Assert.Equal("sold", i.GetProperty("status").GetString()));
        var invalid = await AdminReads.LeadsAsync(factory, $"campaign={c}&status=invalid");
        Assert.Equal([ids[1]], Ids(invalid));
        var unsoldOfOther = await AdminReads.LeadsAsync(factory, $"campaign={c}&status=unsold&publisher={other}");
        Assert.Equal([ids[4]], Ids(unsoldOfOther));
        var none = await AdminReads.LeadsAsync(factory, $"campaign={c}&status=returned");
        Assert.Equal(0, none.GetProperty("total").GetInt32());
        Assert.Empty(none.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Lead_list_filters_by_time_range()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (s, _, ids) = await SeedAsync(buyers);
        var c = Uri.EscapeDataString(s.Campaign);
        var first = (await AdminReads.LeadAsync(factory, ids[0])).GetProperty("receivedAt").GetDateTimeOffset();
        var last = (await AdminReads.LeadAsync(factory, ids[4])).GetProperty("receivedAt").GetDateTimeOffset();

        Assert.Equal(5, (await AdminReads.LeadsAsync(factory, $"campaign={c}&from={Q(first)}")).GetProperty("total").GetInt32());
        // `to` is exclusive.
        Assert.Equal(4, (await AdminReads.LeadsAsync(factory, $"campaign={c}&to={Q(last)}")).GetProperty("total").GetInt32());
        Assert.Equal(1, (await AdminReads.LeadsAsync(factory, $"campaign={c}&from={Q(last)}")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await AdminReads.LeadsAsync(factory, $"campaign={c}&to={Q(first)}")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await AdminReads.LeadsAsync(factory,
            $"campaign={c}&from={Q(last.AddHours(1))}")).GetProperty("total").GetInt32());
        Assert.Equal(5, (await AdminReads.LeadsAsync(factory,
            $"campaign={c}&from={Q(first.AddMinutes(-1))}&to={Q(last.AddMinutes(1))}")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Lead_list_time_range_with_an_offset_means_the_same_instant()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (s, _, ids) = await SeedAsync(buyers);
        var c = Uri.EscapeDataString(s.Campaign);
        var first = (await AdminReads.LeadAsync(factory, ids[0])).GetProperty("receivedAt").GetDateTimeOffset();
        var last = (await AdminReads.LeadAsync(factory, ids[4])).GetProperty("receivedAt").GetDateTimeOffset();

        // An hour before the first lead, written in UTC+05:00 and in UTC−08:00.
        var fromEast = first.AddHours(-1).ToOffset(TimeSpan.FromHours(5));
        var toWest = last.AddHours(1).ToOffset(TimeSpan.FromHours(-8));
        Assert.Equal(5, (await AdminReads.LeadsAsync(factory, $"campaign={c}&from={Q(fromEast)}")).GetProperty("total").GetInt32());
        Assert.Equal(5, (await AdminReads.LeadsAsync(factory, $"campaign={c}&to={Q(toWest)}")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await AdminReads.LeadsAsync(factory,
            $"campaign={c}&from={Q(last.AddHours(1).ToOffset(TimeSpan.FromHours(-8)))}")).GetProperty("total").GetInt32());
        // A time without an offset is UTC.
        var plain = first.AddMinutes(-1).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss");
        Assert.Equal(5, (await AdminReads.LeadsAsync(factory, $"campaign={c}&from={plain}")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Lead_list_pages()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (s, _, ids) = await SeedAsync(buyers);
        var c = Uri.EscapeDataString(s.Campaign);
        var newestFirst = ids.Reverse().ToArray();

        var page1 = await AdminReads.LeadsAsync(factory, $"campaign={c}&pageSize=2");
        var page2 = await AdminReads.LeadsAsync(factory, $"campaign={c}&pageSize=2&page=2");
        var page3 = await AdminReads.LeadsAsync(factory, $"campaign={c}&pageSize=2&page=3");
        var page4 = await AdminReads.LeadsAsync(factory, $"campaign={c}&pageSize=2&page=4");

        foreach (var (page, n) in new[] { (page1, 1), (page2, 2), (page3, 3), (page4, 4) })
        {
            Assert.Equal(5, page.GetProperty("total").GetInt32());
            Assert.Equal(2, page.GetProperty("pageSize").GetInt32());
            Assert.Equal(n, page.GetProperty("page").GetInt32());
        }
        Assert.Equal(newestFirst[..2], Ids(page1));
        Assert.Equal(newestFirst[2..4], Ids(page2));
        Assert.Equal(newestFirst[4..], Ids(page3));
        Assert.Empty(Ids(page4));

        var defaults = await AdminReads.LeadsAsync(factory, $"campaign={c}");
        Assert.Equal(1, defaults.GetProperty("page").GetInt32());
        Assert.Equal(50, defaults.GetProperty("pageSize").GetInt32());
    }

    [Theory]
    [InlineData("status=bogus", "status")]
    [InlineData("status=SOLD", "status")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-45", "to")]
    [InlineData("page=0", "page")]
    [InlineData("page=-1", "page")]
    [InlineData("page=two", "page")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=100000", "pageSize")]
    public async Task Lead_list_with_a_bad_query_is_400_naming_the_parameter(string query, string parameter)
    {
        using var admin = factory.Admin();

        var response = await admin.GetAsync("/api/v1/admin/leads?" + query);

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
        ApiAssert.Errors(problem, parameter);
    }

    [Fact]
    public async Task Lead_list_reports_every_bad_parameter_at_once()
    {
        using var admin = factory.Admin();

        var response = await admin.GetAsync("/api/v1/admin/leads?status=nope&from=x&page=0");

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
        ApiAssert.Errors(problem, "status");
        ApiAssert.Errors(problem, "from");
        ApiAssert.Errors(problem, "page");
    }

    [Fact]
    public async Task Unknown_lead_is_404_problem()
    {
        using var admin = factory.Admin();

        var response = await admin.GetAsync($"/api/v1/admin/leads/{Guid.NewGuid()}");

        await ApiAssert.ProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Lead_detail_has_the_contract_fields_and_the_routing_trace()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        using var client = factory.Publisher(s.ApiKey);
        var answer = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign, subId: "fb-spring")));

        var lead = await AdminReads.LeadAsync(factory, answer.GetProperty("leadId").GetGuid());

        Assert.Equal("sold", lead.GetProperty("status").GetString());
        Assert.Equal(s.Campaign, lead.GetProperty("campaign").GetString());
        Assert.Equal(s.Publisher, lead.GetProperty("publisher").GetString());
        Assert.Equal("fb-spring", lead.GetProperty("subId").GetString());
        Assert.Equal(ApiScenario.Bid, lead.GetProperty("price").GetDecimal());
        Assert.Equal(s.Buyer, lead.GetProperty("buyer").GetString());
        Assert.Equal(s.Contract, lead.GetProperty("contract").GetString());
        Assert.Equal(7.00m, lead.GetProperty("payout").GetDecimal());
        Assert.Equal(TimeSpan.Zero, lead.GetProperty("receivedAt").GetDateTimeOffset().Offset);
        Assert.StartsWith("+1415", lead.GetProperty("fields").GetProperty("phone").GetString());
        var trace = lead.GetProperty("trace").EnumerateArray().ToList();
        Assert.Equal(2, trace.Count);
        Assert.Equal(("ping", "bid"), (trace[0].GetProperty("kind").GetString(), trace[0].GetProperty("outcome").GetString()));
        Assert.Equal(ApiScenario.Bid, trace[0].GetProperty("bid").GetDecimal());
        Assert.Equal(("post", "accepted"), (trace[1].GetProperty("kind").GetString(), trace[1].GetProperty("outcome").GetString()));
        Assert.All(trace, t =>
        {
            Assert.Equal(s.Buyer, t.GetProperty("buyer").GetString());
            Assert.Equal(s.Contract, t.GetProperty("contract").GetString());
            Assert.Equal(0, t.GetProperty("tier").GetInt32());
            Assert.True(t.GetProperty("latencyMs").GetInt32() >= 0);
        });
    }
}

// GET /api/v1/admin/leads/{id}/why-not: the lead page's "why not this buyer" for API users.
public class WhyNotThisBuyerApiTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    [Fact]
    public async Task A_sold_lead_says_its_contract_won_and_an_unsold_one_says_the_buyer_passed()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        using var publisher = factory.Publisher(s.ApiKey);
        using var admin = factory.Admin();

        var sold = (await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign))))
            .GetProperty("leadId").GetGuid();
        buyers.Set(s.Buyer, new BuyerBehaviour { Ping = BuyerAnswer.Pass() });
        var unsold = (await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign))))
            .GetProperty("leadId").GetGuid();

        var won = Assert.Single((await ApiAssert.OkJsonAsync(await admin.GetAsync($"/api/v1/admin/leads/{sold}/why-not"))).EnumerateArray());
        Assert.Equal("won", won.GetProperty("verdict").GetString());
        Assert.StartsWith("bought the lead at", won.GetProperty("explanation").GetString());
        var passed = Assert.Single((await ApiAssert.OkJsonAsync(await admin.GetAsync($"/api/v1/admin/leads/{unsold}/why-not"))).EnumerateArray());
        Assert.Equal("passed", passed.GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task Why_not_for_an_unknown_lead_is_a_404_problem()
    {
        using var admin = factory.Admin();
        await ApiAssert.ProblemAsync(await admin.GetAsync($"/api/v1/admin/leads/{Guid.NewGuid()}/why-not"), HttpStatusCode.NotFound);
    }
}
