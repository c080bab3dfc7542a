using System.Net;
using System.Net.Http.Json;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Api;

// CONTRACT §1 two-step publisher ping/post: the ping prices the lead on its non-PII fields and
// holds the bids; the post sells it on the held bid without asking the buyers again.
public class PublisherPingPostTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    private static object PingBody(string campaign, object? fields = null) => new
    {
        campaign,
        fields = fields ?? new { zip = "94107", state = "CA", age = 34, homeowner = true, tcpa_consent = true },
    };

    [Fact]
    public async Task Ping_offers_the_publisher_payout_then_post_sells_on_the_held_bid()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        using var client = factory.Publisher(s.ApiKey);
        var before = DateTimeOffset.UtcNow;

        var ping = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/pings", PingBody(s.Campaign)));

        Assert.Equal(["expiresAt", "offer", "pingId"], ping.EnumerateObject().Select(p => p.Name).Order().ToArray());
        var pingId = ping.GetProperty("pingId").GetGuid();
        Assert.Equal(7.00m, ping.GetProperty("offer").GetDecimal()); // 70 % of the 10.00 bid
        Assert.True(ping.GetProperty("expiresAt").GetDateTimeOffset() > before, "expiresAt is not in the future");
        var buyerPing = Assert.Single(buyers.CallsTo(s.Buyer, "ping"));
        Assert.Equal(pingId.ToString(), (string?)buyerPing.Body["pingId"]);
        Assert.Empty(buyers.CallsTo(s.Buyer, "post"));

        var post = await client.PostAsJsonAsync($"/api/v1/pings/{pingId}/post", TestWorkspace.Lead(s.Campaign));

        var answer = await ApiAssert.OkJsonAsync(post);
        Assert.Equal(["leadId", "payout", "reasons", "status"], answer.EnumerateObject().Select(p => p.Name).Order().ToArray());
        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Equal(7.00m, answer.GetProperty("payout").GetDecimal());
        Assert.Single(buyers.CallsTo(s.Buyer, "ping"));
        var buyerPost = Assert.Single(buyers.CallsTo(s.Buyer, "post"));
        Assert.Equal(pingId.ToString(), (string?)buyerPost.Body["pingId"]);
        Assert.Equal(ApiScenario.Bid, (decimal)buyerPost.Body["price"]!);

        var stored = await AdminReads.LeadAsync(factory, answer.GetProperty("leadId").GetGuid());
        Assert.Equal("sold", stored.GetProperty("status").GetString());
        // The trace has the ping made for the publisher's ping, and the post.
        var kinds = stored.GetProperty("trace").EnumerateArray().Select(t => t.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["ping", "post"], kinds);
    }

    [Fact]
    public async Task Ping_sends_buyers_only_non_pii_fields_even_if_the_publisher_sends_more()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        using var client = factory.Publisher(s.ApiKey);
        var full = new
        {
            first_name = "Ana", email = "ana.ping@example.com", phone = "+1 415 555 0100",
            zip = "94107", state = "CA", age = 34, homeowner = true, tcpa_consent = true,
        };

        await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/pings", PingBody(s.Campaign, full)));

        var lead = Assert.Single(buyers.CallsTo(s.Buyer, "ping")).Body["lead"]!.AsObject();
        Assert.Equal(["age", "homeowner", "state", "tcpa_consent", "zip"], lead.Select(p => p.Key).Order().ToArray());
    }

    [Fact]
    public async Task Ping_without_bids_offers_zero()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers, behaviour: new BuyerBehaviour { Ping = BuyerAnswer.Pass() });
        using var client = factory.Publisher(s.ApiKey);

        var ping = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/pings", PingBody(s.Campaign)));

        Assert.Equal(0m, ping.GetProperty("offer").GetDecimal());
    }

    [Fact]
    public async Task Posting_the_same_ping_twice_is_409()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        using var client = factory.Publisher(s.ApiKey);
        var ping = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/pings", PingBody(s.Campaign)));
        var pingId = ping.GetProperty("pingId").GetGuid();
        var first = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync($"/api/v1/pings/{pingId}/post", TestWorkspace.Lead(s.Campaign)));

        var again = await client.PostAsJsonAsync($"/api/v1/pings/{pingId}/post", TestWorkspace.Lead(s.Campaign));

        var problem = await ApiAssert.ProblemAsync(again, HttpStatusCode.Conflict);
        Assert.Equal(first.GetProperty("leadId").GetGuid(), problem.GetProperty("leadId").GetGuid());
        Assert.Single(buyers.CallsTo(s.Buyer, "post"));
        Assert.Equal(1, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Posting_an_unknown_ping_is_404()
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);

        var response = await client.PostAsJsonAsync($"/api/v1/pings/{Guid.NewGuid()}/post", TestWorkspace.Lead(s.Campaign));

        await ApiAssert.ProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(0, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Posting_another_publishers_ping_is_404()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        var (_, otherKey) = await s.AddPublisherAsync(factory);
        using var mine = factory.Publisher(s.ApiKey);
        using var theirs = factory.Publisher(otherKey);
        var ping = await ApiAssert.OkJsonAsync(await mine.PostAsJsonAsync("/api/v1/pings", PingBody(s.Campaign)));

        var response = await theirs.PostAsJsonAsync($"/api/v1/pings/{ping.GetProperty("pingId").GetGuid()}/post", TestWorkspace.Lead(s.Campaign));

        await ApiAssert.ProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Empty(buyers.CallsTo(s.Buyer, "post"));
    }

    [Fact]
    public async Task Posting_a_ping_to_another_campaign_is_400()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        using var client = factory.Publisher(s.ApiKey);
        var ping = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/pings", PingBody(s.Campaign)));

        var response = await client.PostAsJsonAsync($"/api/v1/pings/{ping.GetProperty("pingId").GetGuid()}/post",
            TestWorkspace.Lead("some-other-campaign"));

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
        ApiAssert.Errors(problem, "campaign");
    }

    [Fact]
    public async Task Ping_with_an_invalid_non_pii_field_is_422_and_pings_nobody()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        using var client = factory.Publisher(s.ApiKey);

        var response = await client.PostAsJsonAsync("/api/v1/pings",
            PingBody(s.Campaign, new { zip = "94107", state = "XX", age = 34, tcpa_consent = true }));

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        ApiAssert.Errors(problem, "state");
        Assert.Empty(buyers.Calls);
    }

    [Fact]
    public async Task Ping_is_refused_like_a_lead_without_key_on_unknown_or_forbidden_campaign()
    {
        var s = await ApiScenario.CreateAsync(factory);
        var other = await ApiScenario.CreateAsync(factory);
        using var anonymous = factory.CreateClient();
        using var client = factory.Publisher(s.ApiKey);

        await ApiAssert.ProblemAsync(await anonymous.PostAsJsonAsync("/api/v1/pings", PingBody(s.Campaign)), HttpStatusCode.Unauthorized);
        await ApiAssert.ProblemAsync(await client.PostAsJsonAsync("/api/v1/pings", PingBody(other.Campaign)), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await client.PostAsJsonAsync("/api/v1/pings", PingBody("no-such-campaign")), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await client.PostAsync("/api/v1/pings", Bodies.Json("[]")), HttpStatusCode.BadRequest);
    }
}
