using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Api;

// CONTRACT §1 200 answers, dedupe, Idempotency-Key and the rate limit, against a real buyer.
public class LeadPostProcessingTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    private static HttpRequestMessage Post(object lead, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/leads") { Content = JsonContent.Create(lead) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return request;
    }

    [Fact]
    public async Task Sold_lead_answer_has_only_lead_id_status_payout_and_reasons()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        using var client = factory.Publisher(s.ApiKey);

        var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign));

        var body = await response.Content.ReadAsStringAsync();
        var answer = await ApiAssert.OkJsonAsync(response);
        Assert.Equal(["leadId", "payout", "reasons", "status"], answer.EnumerateObject().Select(p => p.Name).Order().ToArray());
        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Equal(7.00m, answer.GetProperty("payout").GetDecimal()); // 70 % revshare of the 10.00 bid
        Assert.Empty(answer.GetProperty("reasons").EnumerateArray());
        // Neither the sale price nor the buyer leaks.
        Assert.DoesNotContain(s.Buyer, body);
        Assert.DoesNotContain(s.Contract, body);
        Assert.DoesNotContain("price", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"bid\"", body, StringComparison.OrdinalIgnoreCase);

        // The admin view has what the publisher must not see.
        var stored = await AdminReads.LeadAsync(factory, answer.GetProperty("leadId").GetGuid());
        Assert.Equal(ApiScenario.Bid, stored.GetProperty("price").GetDecimal());
        Assert.Equal(s.Buyer, stored.GetProperty("buyer").GetString());
    }

    [Fact]
    public async Task Unsold_lead_answer_has_zero_payout_and_a_reason()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers, behaviour: new BuyerBehaviour { Ping = BuyerAnswer.Pass() });
        using var client = factory.Publisher(s.ApiKey);

        var answer = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign)));

        Assert.Equal(["leadId", "payout", "reasonCode", "reasons", "status"], answer.EnumerateObject().Select(p => p.Name).Order().ToArray());
        Assert.Equal("unsold", answer.GetProperty("status").GetString());
        Assert.Equal("no_bids", answer.GetProperty("reasonCode").GetString());
        Assert.Equal(0m, answer.GetProperty("payout").GetDecimal());
        Assert.NotEmpty(answer.GetProperty("reasons").EnumerateArray());
    }

    [Fact]
    public async Task Lead_for_a_paused_campaign_is_stored_unsold_and_no_buyer_is_pinged()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        await factory.ImportAsync(new LeadHub.Core.Workspace.WorkspaceDocument
        {
            Campaigns = [TestWorkspace.Campaign(s.Campaign) with { Active = false }],
        });
        using var client = factory.Publisher(s.ApiKey);

        var answer = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign)));

        Assert.Equal("unsold", answer.GetProperty("status").GetString());
        Assert.Equal(["campaign is paused"], answer.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Empty(buyers.CallsTo(s.Buyer, "ping"));
        Assert.Equal(1, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Buyer_rejection_reason_is_not_shown_to_the_publisher()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers,
            behaviour: new BuyerBehaviour { Ping = BuyerAnswer.Bid(12.34m), Post = BuyerAnswer.Reject("acme-internal-dup") });
        using var client = factory.Publisher(s.ApiKey);

        var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign));

        var body = await response.Content.ReadAsStringAsync();
        var answer = await ApiAssert.OkJsonAsync(response);
        Assert.Equal("unsold", answer.GetProperty("status").GetString());
        Assert.DoesNotContain("12.34", body);
        Assert.DoesNotContain(s.Buyer, body);
        Assert.DoesNotContain("acme-internal-dup", body);
    }

    [Fact]
    public async Task Same_phone_twice_in_a_campaign_is_duplicate_and_the_buyer_is_pinged_once()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        using var client = factory.Publisher(s.ApiKey);

        var first = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/leads",
            TestWorkspace.Lead(s.Campaign, new { phone = "+1 415 555 0134" })));
        // Same number written differently: dedupe compares the normalised E.164 form.
        var second = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/leads",
            TestWorkspace.Lead(s.Campaign, new { phone = "(415) 555-0134" })));

        Assert.Equal("sold", first.GetProperty("status").GetString());
        Assert.Equal("duplicate", second.GetProperty("status").GetString());
        Assert.Equal(0m, second.GetProperty("payout").GetDecimal());
        Assert.NotEmpty(second.GetProperty("reasons").EnumerateArray());
        Assert.NotEqual(first.GetProperty("leadId").GetGuid(), second.GetProperty("leadId").GetGuid());
        Assert.Single(buyers.CallsTo(s.Buyer, "ping"));
        Assert.Single(buyers.CallsTo(s.Buyer, "post"));
        var stored = await AdminReads.LeadAsync(factory, second.GetProperty("leadId").GetGuid());
        Assert.Equal("duplicate", stored.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Same_idempotency_key_twice_returns_the_first_answer_and_routes_once()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        using var client = factory.Publisher(s.ApiKey);
        var key = Guid.NewGuid().ToString();

        var first = await client.SendAsync(Post(TestWorkspace.Lead(s.Campaign), key));
        var firstBody = await first.Content.ReadAsStringAsync();
        // A retry may even carry a different body: the key alone decides.
        var second = await client.SendAsync(Post(TestWorkspace.Lead(s.Campaign), key));
        var secondBody = await second.Content.ReadAsStringAsync();

        var a = await ApiAssert.OkJsonAsync(first);
        var b = await ApiAssert.OkJsonAsync(second);
        Assert.Equal("sold", a.GetProperty("status").GetString());
        Assert.Equal(firstBody, secondBody);
        Assert.Equal(a.GetProperty("leadId").GetGuid(), b.GetProperty("leadId").GetGuid());
        Assert.Single(buyers.CallsTo(s.Buyer, "ping"));
        Assert.Single(buyers.CallsTo(s.Buyer, "post"));
        Assert.Equal(1, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Same_idempotency_key_five_times_at_once_stores_one_lead_and_routes_once()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        // A slow buyer keeps the first request routing while the others arrive.
        var s = await ApiScenario.CreateAsync(factory, buyers,
            behaviour: new BuyerBehaviour { Ping = BuyerAnswer.Bid(10, delayMs: 200), Post = BuyerAnswer.Accept() });
        var key = Guid.NewGuid().ToString();
        var lead = TestWorkspace.Lead(s.Campaign);

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            using var client = factory.Publisher(s.ApiKey);
            var response = await client.SendAsync(Post(lead, key));
            return await ApiAssert.OkJsonAsync(response);
        }));

        Assert.Single(responses.Select(r => r.GetProperty("leadId").GetGuid()).Distinct());
        Assert.All(responses, r => Assert.Equal("sold", r.GetProperty("status").GetString()));
        Assert.All(responses, r => Assert.Equal(7.00m, r.GetProperty("payout").GetDecimal()));
        Assert.Single(buyers.CallsTo(s.Buyer, "ping"));
        Assert.Single(buyers.CallsTo(s.Buyer, "post"));
        Assert.Equal(1, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Same_idempotency_key_from_another_publisher_gets_its_own_lead()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        var (_, otherApiKey) = await s.AddPublisherAsync(factory);
        var key = Guid.NewGuid().ToString();
        using var mine = factory.Publisher(s.ApiKey);
        using var theirs = factory.Publisher(otherApiKey);

        var a = await ApiAssert.OkJsonAsync(await mine.SendAsync(Post(TestWorkspace.Lead(s.Campaign), key)));
        var b = await ApiAssert.OkJsonAsync(await theirs.SendAsync(Post(TestWorkspace.Lead(s.Campaign), key)));

        Assert.NotEqual(a.GetProperty("leadId").GetGuid(), b.GetProperty("leadId").GetGuid());
        Assert.Equal("sold", b.GetProperty("status").GetString());
        Assert.Equal(2, buyers.CallsTo(s.Buyer, "post").Count);
        Assert.Equal(2, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Same_idempotency_key_replays_a_422_without_storing_again()
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);
        var key = Guid.NewGuid().ToString();
        var lead = TestWorkspace.Lead(s.Campaign, new { age = 7 });

        var first = await ApiAssert.ProblemAsync(await client.SendAsync(Post(lead, key)), HttpStatusCode.UnprocessableEntity);
        var second = await ApiAssert.ProblemAsync(await client.SendAsync(Post(lead, key)), HttpStatusCode.UnprocessableEntity);

        Assert.Equal(first.GetProperty("leadId").GetGuid(), second.GetProperty("leadId").GetGuid());
        ApiAssert.Errors(second, "age");
        Assert.Equal(1, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Publisher_over_its_rate_limit_gets_429_with_retry_after()
    {
        var s = await ApiScenario.CreateAsync(factory, publisher: p => p with { RateLimitPerSecond = 1 });

        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
        {
            using var client = factory.Publisher(s.ApiKey);
            return await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign));
        }));

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
        foreach (var response in limited)
        {
            await ApiAssert.ProblemAsync(response, HttpStatusCode.TooManyRequests);
            Assert.NotNull(response.Headers.RetryAfter?.Delta);
            Assert.InRange(response.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        }
        // Refused leads are not stored.
        Assert.Equal(responses.Length - limited.Count, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Rate_limit_is_per_publisher()
    {
        var s = await ApiScenario.CreateAsync(factory, publisher: p => p with { RateLimitPerSecond = 1 });
        var (_, otherKey) = await s.AddPublisherAsync(factory, p => p with { RateLimitPerSecond = 1 });
        using var mine = factory.Publisher(s.ApiKey);
        using var theirs = factory.Publisher(otherKey);

        var a = await mine.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign));
        var b = await theirs.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign));

        Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
    }

    [Fact]
    public async Task Test_lead_is_accepted_and_marked_test()
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);

        var answer = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign, test: true)));

        Assert.Equal(0m, answer.GetProperty("payout").GetDecimal());
        var stored = await AdminReads.LeadAsync(factory, answer.GetProperty("leadId").GetGuid());
        Assert.True(stored.GetProperty("test").GetBoolean());
        Assert.Equal(JsonValueKind.Array, stored.GetProperty("trace").ValueKind);
    }
}
