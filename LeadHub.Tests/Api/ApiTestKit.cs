using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Api;

// One campaign, one publisher allowed on it and (optionally) one loopback ping-post buyer,
// all with unique keys so tests sharing a host never see each other's leads.
public sealed record ApiScenario(string Campaign, string Publisher, string ApiKey, string Buyer, string Contract)
{
    public const decimal Bid = 10m;

    public static string NewApiKey() => "pk-" + Guid.NewGuid().ToString("N");

    public static async Task<ApiScenario> CreateAsync(LeadHubFactory factory, LoopbackBuyers? buyers = null,
        Func<PublisherConfig, PublisherConfig>? publisher = null, BuyerBehaviour? behaviour = null)
    {
        var campaign = TestWorkspace.Unique("camp");
        var publisherKey = TestWorkspace.Unique("pub");
        var apiKey = NewApiKey();
        var buyer = TestWorkspace.Unique("buyer");
        var contract = buyer + "-c";
        var pub = TestWorkspace.Publisher(publisherKey, apiKey, campaign);
        var doc = new WorkspaceDocument
        {
            // Generous timeouts: the machine running the tests may be busy, and a slow loopback
            // answer must not turn into a "timeout" pass.
            Campaigns = [TestWorkspace.Campaign(campaign, auctionTimeoutMs: 10_000)],
            Publishers = [publisher is null ? pub : publisher(pub)],
            Buyers = buyers is null
                ? []
                : [TestWorkspace.Buyer(buyer, TestWorkspace.PingPost(contract, campaign, buyers.PingUrl(buyer), buyers.PostUrl(buyer), timeoutMs: 10_000))],
        };
        buyers?.Set(buyer, behaviour ?? new BuyerBehaviour { Ping = BuyerAnswer.Bid(Bid), Post = BuyerAnswer.Accept() });
        await factory.ImportAsync(doc);
        return new ApiScenario(campaign, publisherKey, apiKey, buyer, contract);
    }

    // A second publisher on the same campaign.
    public async Task<(string Key, string ApiKey)> AddPublisherAsync(LeadHubFactory factory, Func<PublisherConfig, PublisherConfig>? configure = null)
    {
        var key = TestWorkspace.Unique("pub");
        var apiKey = NewApiKey();
        var pub = TestWorkspace.Publisher(key, apiKey, Campaign);
        await factory.ImportAsync(new WorkspaceDocument { Publishers = [configure is null ? pub : configure(pub)] });
        return (key, apiKey);
    }
}

public static class ApiAssert
{
    // RFC 7807 problem details with the expected status; never a stack trace.
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        NoStackTrace(body);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(JsonValueKind.Object, problem.ValueKind);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), "problem without a title");
        return problem;
    }

    // The messages of one entry of a problem's `errors`; fails when the entry is missing or empty.
    public static string[] Errors(JsonElement problem, string key)
    {
        Assert.True(problem.TryGetProperty("errors", out var errors), $"no 'errors' in {problem}");
        Assert.True(errors.TryGetProperty(key, out var messages), $"no error for '{key}' in {errors}");
        var list = messages.EnumerateArray().Select(m => m.GetString()!).ToArray();
        Assert.NotEmpty(list);
        Assert.All(list, m => Assert.False(string.IsNullOrWhiteSpace(m)));
        return list;
    }

    public static void NoStackTrace(string body)
    {
        Assert.DoesNotContain("   at ", body);
        Assert.DoesNotContain("Exception", body);
        Assert.DoesNotContain(".cs:line", body);
    }

    public static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {body}");
        NoStackTrace(body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}

public static class AdminReads
{
    public static async Task<int> LeadCountAsync(LeadHubFactory factory, string campaign)
    {
        var page = await LeadsAsync(factory, $"campaign={Uri.EscapeDataString(campaign)}");
        return page.GetProperty("total").GetInt32();
    }

    public static async Task<JsonElement> LeadsAsync(LeadHubFactory factory, string query)
    {
        using var admin = factory.Admin();
        return await ApiAssert.OkJsonAsync(await admin.GetAsync("/api/v1/admin/leads?" + query));
    }

    public static async Task<JsonElement> LeadAsync(LeadHubFactory factory, Guid leadId)
    {
        using var admin = factory.Admin();
        return await ApiAssert.OkJsonAsync(await admin.GetAsync($"/api/v1/admin/leads/{leadId}"));
    }
}

public static class Bodies
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static JsonContent Of(object value) => JsonContent.Create(value);
}
