using System.Net;
using System.Net.Http.Json;
using LeadHub.Core.Returns;
using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using LeadHub.Tests.Returns;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Api;

// POST /api/v1/returns and GET /api/v1/returns/{id} (CONTRACT §5) through the real host.
public sealed class ReturnsApiTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>
{
    private const string Path = "/api/v1/returns";

    // A refused request leaves the lead sold and without any return.
    private async Task AssertUnchangedAsync(Guid leadId)
    {
        Assert.Empty(await ReturnsDb.ReturnsOfAsync(host, leadId));
        Assert.Equal(LeadStatus.Sold, (await ReturnsDb.LeadAsync(host, leadId)).Status);
    }

    [Fact]
    public async Task A_buyer_returns_its_lead_and_reads_the_decision()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var leadId = await s.SoldLeadAsync(host);
        using var buyer = s.BuyerClient(host);

        var answer = await ApiAssert.OkJsonAsync(await buyer.PostAsJsonAsync(Path, new { leadId, reason = "wrong number" }));

        Assert.Equal("pending", answer.GetProperty("status").GetString());
        var returnId = answer.GetProperty("returnId").GetGuid();
        Assert.Equal(leadId, answer.GetProperty("leadId").GetGuid());
        var pending = await ApiAssert.OkJsonAsync(await buyer.GetAsync($"{Path}/{returnId}"));
        Assert.Equal("pending", pending.GetProperty("status").GetString());
        Assert.Equal(12.50m, pending.GetProperty("credit").GetDecimal());

        await host.Services.GetRequiredService<ReturnService>().DecideAsync(returnId, approve: true, "confirmed", "manager@leadhub.test");

        var decided = await ApiAssert.OkJsonAsync(await buyer.GetAsync($"{Path}/{returnId}"));
        Assert.Equal("approved", decided.GetProperty("status").GetString());
        Assert.Equal("confirmed", decided.GetProperty("decisionNote").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, decided.GetProperty("decidedAt").ValueKind);
        Assert.False(decided.TryGetProperty("decidedBy", out _)); // who decided is internal
        Assert.Equal(LeadStatus.Returned, (await ReturnsDb.LeadAsync(host, leadId)).Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("unknown-key-0123456789")]
    public async Task Missing_or_unknown_key_is_401(string? key)
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var leadId = await s.SoldLeadAsync(host);
        using var client = host.CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);

        await ApiAssert.ProblemAsync(await client.PostAsJsonAsync(Path, new { leadId, reason = "x" }), HttpStatusCode.Unauthorized);
        await ApiAssert.ProblemAsync(await client.GetAsync($"{Path}/{Guid.NewGuid()}"), HttpStatusCode.Unauthorized);
        await AssertUnchangedAsync(leadId);
    }

    [Fact]
    public async Task A_publishers_key_is_not_a_buyers_key()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var leadId = await s.SoldLeadAsync(host);
        using var publisher = host.Publisher(s.PublisherApiKey);

        await ApiAssert.ProblemAsync(await publisher.PostAsJsonAsync(Path, new { leadId, reason = "x" }), HttpStatusCode.Unauthorized);
        await AssertUnchangedAsync(leadId);
    }

    [Theory]
    [InlineData("not json", "body")]
    [InlineData("[1, 2]", "body")]
    [InlineData("", "body")]
    [InlineData("{}", "leadId")]
    [InlineData("""{ "leadId": "not-a-guid", "reason": "x" }""", "leadId")]
    [InlineData("""{ "leadId": 42, "reason": "x" }""", "leadId")]
    [InlineData("""{ "leadId": "LEAD" }""", "reason")]
    [InlineData("""{ "leadId": "LEAD", "reason": "   " }""", "reason")]
    [InlineData("""{ "leadId": "LEAD", "reason": 7 }""", "reason")]
    public async Task Malformed_bodies_are_400_with_the_field_in_error(string body, string field)
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var leadId = await s.SoldLeadAsync(host);
        using var buyer = s.BuyerClient(host);

        var response = await buyer.PostAsync(Path, Bodies.Json(body.Replace("LEAD", leadId.ToString())));

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
        ApiAssert.Errors(problem, field);
        await AssertUnchangedAsync(leadId);
    }

    [Fact]
    public async Task A_reason_over_the_length_limit_is_400_and_a_body_over_16_KiB_is_413()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var leadId = await s.SoldLeadAsync(host);
        using var buyer = s.BuyerClient(host);

        var tooLong = await buyer.PostAsJsonAsync(Path, new { leadId, reason = new string('x', 1001) });
        ApiAssert.Errors(await ApiAssert.ProblemAsync(tooLong, HttpStatusCode.BadRequest), "reason");

        var huge = await buyer.PostAsJsonAsync(Path, new { leadId, reason = new string('x', 17 * 1024) });
        await ApiAssert.ProblemAsync(huge, HttpStatusCode.RequestEntityTooLarge);
        await AssertUnchangedAsync(leadId);
    }

    [Fact]
    public async Task An_unknown_lead_is_404()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        using var buyer = s.BuyerClient(host);

        var response = await buyer.PostAsJsonAsync(Path, new { leadId = Guid.NewGuid(), reason = "x" });

        await ApiAssert.ProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Another_buyers_lead_is_403_and_its_return_is_404()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var other = await ReturnsScenario.CreateAsync(host, buyers);
        var leadId = await s.SoldLeadAsync(host);
        using var otherBuyer = other.BuyerClient(host);

        await ApiAssert.ProblemAsync(await otherBuyer.PostAsJsonAsync(Path, new { leadId, reason = "x" }), HttpStatusCode.Forbidden);
        await AssertUnchangedAsync(leadId);

        using var buyer = s.BuyerClient(host);
        var returnId = (await ApiAssert.OkJsonAsync(await buyer.PostAsJsonAsync(Path, new { leadId, reason = "x" }))).GetProperty("returnId").GetGuid();
        await ApiAssert.ProblemAsync(await otherBuyer.GetAsync($"{Path}/{returnId}"), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await buyer.GetAsync($"{Path}/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Returning_twice_is_409_naming_the_first_return()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var leadId = await s.SoldLeadAsync(host);
        using var buyer = s.BuyerClient(host);
        var first = (await ApiAssert.OkJsonAsync(await buyer.PostAsJsonAsync(Path, new { leadId, reason = "x" }))).GetProperty("returnId").GetGuid();

        var problem = await ApiAssert.ProblemAsync(await buyer.PostAsJsonAsync(Path, new { leadId, reason = "again" }), HttpStatusCode.Conflict);

        Assert.Equal(first, problem.GetProperty("returnId").GetGuid());
        Assert.Equal("pending", problem.GetProperty("returnStatus").GetString());
        Assert.Single(await ReturnsDb.ReturnsOfAsync(host, leadId));
    }

    [Fact]
    public async Task After_the_return_window_it_is_422()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        // A window of 0 days has passed as soon as the lead is sold.
        var s = await ReturnsScenario.CreateAsync(host, buyers, returnWindowDays: 0);
        var leadId = await s.SoldLeadAsync(host);
        using var buyer = s.BuyerClient(host);

        var problem = await ApiAssert.ProblemAsync(await buyer.PostAsJsonAsync(Path, new { leadId, reason = "x" }), HttpStatusCode.UnprocessableEntity);

        Assert.Contains("0 day(s)", ApiAssert.Errors(problem, "leadId")[0]);
        await AssertUnchangedAsync(leadId);
    }

    [Fact]
    public async Task OpenApi_documents_the_returns_endpoints()
    {
        using var client = host.CreateClient();

        var paths = (await ApiAssert.OkJsonAsync(await client.GetAsync("/openapi/v1.json"))).GetProperty("paths");

        var post = paths.GetProperty("/api/v1/returns").GetProperty("post");
        Assert.True(post.TryGetProperty("requestBody", out _));
        foreach (var status in new[] { "200", "400", "401", "403", "404", "409", "413", "422" })
            Assert.True(post.GetProperty("responses").TryGetProperty(status, out _), $"POST /api/v1/returns does not document {status}");
        Assert.True(paths.TryGetProperty("/api/v1/returns/{returnId}", out _));
    }
}
