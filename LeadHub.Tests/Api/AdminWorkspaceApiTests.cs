using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Api;

// CONTRACT §4: the admin API behind its bearer token; workspace export without secrets; an
// import validated whole, every error with its JSON path, and a bad one changes nothing.
public class AdminWorkspaceApiTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    private async Task<string> ExportAsync()
    {
        using var admin = factory.Admin();
        var response = await admin.GetAsync("/api/v1/admin/workspace");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return body;
    }

    private async Task<HttpResponseMessage> PutAsync(string json)
    {
        using var admin = factory.Admin();
        return await admin.PutAsync("/api/v1/admin/workspace", Bodies.Json(json));
    }

    public static TheoryData<string, string?> Unauthorised => new()
    {
        { "GET", null },
        { "GET", "Bearer wrong-token" },
        { "GET", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + LeadHubFactory.AdminToken)) },
        { "GET", LeadHubFactory.AdminToken },
        { "GET", "Bearer " },
        { "PUT", null },
        { "PUT", "Bearer wrong-token" },
    };

    [Theory]
    [MemberData(nameof(Unauthorised))]
    public async Task Admin_api_without_the_right_bearer_token_is_401_with_www_authenticate(string method, string? authorization)
    {
        using var client = factory.CreateClient();
        var request = new HttpRequestMessage(new HttpMethod(method), "/api/v1/admin/workspace");
        if (method == "PUT") request.Content = Bodies.Json("""{"campaigns": []}""");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);

        var response = await client.SendAsync(request);

        await ApiAssert.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Theory]
    [InlineData("/api/v1/admin/leads")]
    [InlineData("/api/v1/admin/leads/00000000-0000-0000-0000-000000000001")]
    public async Task Admin_lead_reads_need_the_bearer_token(string path)
    {
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "nope");

        var response = await client.GetAsync(path);

        await ApiAssert.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task Export_never_contains_api_keys()
    {
        var s = await ApiScenario.CreateAsync(factory);
        var buyerKey = "buyer-secret-" + Guid.NewGuid().ToString("N");
        await factory.ImportAsync(new WorkspaceDocument
        {
            Buyers = [TestWorkspace.Buyer(TestWorkspace.Unique("buyer")) with { ApiKey = buyerKey }],
        });

        var export = await ExportAsync();

        Assert.Contains(s.Publisher, export);
        Assert.DoesNotContain("apiKey", export, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(s.ApiKey, export);
        Assert.DoesNotContain(buyerKey, export);
        Assert.DoesNotContain(LeadHubFactory.AdminToken, export);
    }

    [Fact]
    public async Task Import_with_several_errors_is_422_with_every_json_path_and_changes_nothing()
    {
        var s = await ApiScenario.CreateAsync(factory);
        var before = await ExportAsync();
        var newPublisher = TestWorkspace.Unique("pub");
        var bad = new WorkspaceDocument
        {
            Campaigns = [TestWorkspace.Campaign("Bad Key!")],
            Publishers = [TestWorkspace.Publisher(newPublisher, ApiScenario.NewApiKey(), s.Campaign)],
            Buyers =
            [
                TestWorkspace.Buyer(TestWorkspace.Unique("buyer"),
                    TestWorkspace.PingPost(TestWorkspace.Unique("c"), s.Campaign, "https://b.example/ping", "https://b.example/post") with
                    {
                        Filters = [new FilterConfig { Field = "state", Op = "roughly", Value = JsonSerializer.SerializeToElement("CA") }],
                        Schedule = new ScheduleConfig { TimeZone = "Mars/Olympus_Mons" },
                    },
                    TestWorkspace.PingPost(TestWorkspace.Unique("c"), "no-such-campaign", "https://b.example/ping", "https://b.example/post"),
                    TestWorkspace.DirectPost(TestWorkspace.Unique("c"), s.Campaign, "https://b.example/post", 5m) with { Price = null }),
            ],
        };

        using var admin = factory.Admin();
        var response = await admin.PutAsJsonAsync("/api/v1/admin/workspace", bad, WorkspaceJson.Options);

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        ApiAssert.Errors(problem, "$.campaigns[0].key");
        ApiAssert.Errors(problem, "$.buyers[0].contracts[0].filters[0]");
        ApiAssert.Errors(problem, "$.buyers[0].contracts[0].schedule");
        ApiAssert.Errors(problem, "$.buyers[0].contracts[1].campaign");
        ApiAssert.Errors(problem, "$.buyers[0].contracts[2].price");
        Assert.Equal(5, problem.GetProperty("errors").EnumerateObject().Count());
        Assert.Equal(before, await ExportAsync());
        Assert.DoesNotContain(newPublisher, await ExportAsync());
    }

    [Fact]
    public async Task Import_with_a_wrong_typed_value_is_422_with_its_path()
    {
        var before = await ExportAsync();
        var key = TestWorkspace.Unique("camp");
        var json = $$"""
            { "campaigns": [ { "key": "{{key}}", "name": "x", "auctionTimeoutMs": "abc",
                               "fields": [ { "name": "zip", "type": "zip" } ] } ] }
            """;

        var response = await PutAsync(json);

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        ApiAssert.Errors(problem, "$.campaigns[0].auctionTimeoutMs");
        Assert.Equal(before, await ExportAsync());
    }

    [Fact]
    public async Task A_buyers_time_zone_is_kept_and_an_unknown_one_is_422_with_its_path()
    {
        var key = TestWorkspace.Unique("tzbuyer");
        var ok = await PutAsync($$"""{ "buyers": [ { "key": "{{key}}", "name": "x", "timeZone": "America/New_York", "caps": { "daily": 5 } } ] }""");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("\"timeZone\":\"America/New_York\"", await ExportAsync());

        var bad = await PutAsync($$"""{ "buyers": [ { "key": "{{key}}", "name": "x", "timeZone": "Mars/Olympus" } ] }""");

        var problem = await ApiAssert.ProblemAsync(bad, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("Mars/Olympus", ApiAssert.Errors(problem, "$.buyers[0].timeZone")[0]);
    }

    [Fact]
    public async Task Import_with_the_same_campaign_key_twice_is_422_not_a_crash()
    {
        var before = await ExportAsync();
        var key = TestWorkspace.Unique("camp");
        var doc = new WorkspaceDocument { Campaigns = [TestWorkspace.Campaign(key), TestWorkspace.Campaign(key)] };

        using var admin = factory.Admin();
        var response = await admin.PutAsJsonAsync("/api/v1/admin/workspace", doc, WorkspaceJson.Options);

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains(key, Assert.Single(ApiAssert.Errors(problem, "$.campaigns")));
        Assert.Equal(before, await ExportAsync());
    }

    [Theory]
    [InlineData("""{ "campaigns": null }""", "$.campaigns")]
    [InlineData("""{ "campaigns": [ null ] }""", "$.campaigns[0]")]
    [InlineData("""{ "campaigns": [ { "key": "{key}", "name": "x", "fields": null } ] }""", "$.campaigns[0].fields")]
    [InlineData("""{ "campaigns": [ { "key": "{key}", "name": "x", "fields": [ null ] } ] }""", "$.campaigns[0].fields[0]")]
    [InlineData("""{ "campaigns": [ { "key": null, "name": "x", "fields": [ { "name": "zip", "type": "zip" } ] } ] }""", "$.campaigns[0].key")]
    [InlineData("""{ "publishers": [ { "key": "{key}", "name": "x", "payout": null } ] }""", "$.publishers[0].payout")]
    [InlineData("""{ "publishers": [ { "key": "{key}", "name": "x", "campaigns": [ null ] } ] }""", "$.publishers[0].campaigns[0]")]
    [InlineData("""{ "buyers": [ { "key": "{key}", "name": "x", "contracts": [ { "key": "{key}-c", "campaign": "x", "filters": null } ] } ] }""", "$.buyers[0].contracts[0].filters")]
    [InlineData("""{ "buyers": [ { "key": "{key}", "name": "x", "contracts": null } ] }""", "$.buyers[0].contracts")]
    [InlineData("""{ "buyers": [ { "key": "{key}", "name": "x", "contracts": [ { "key": "{key}-c", "campaign": "x", "filters": [ null ] } ] } ] }""", "$.buyers[0].contracts[0].filters[0]")]
    [InlineData("""{ "buyers": [ { "key": "{key}", "name": "x", "contracts": [ { "key": "{key}-c", "campaign": "x", "schedule": { "days": [ "mon", null ] } } ] } ] }""", "$.buyers[0].contracts[0].schedule.days[1]")]
    [InlineData("""{ "buyers": [ null ], "publishers": [ { "key": "{key}", "name": "x", "campaignPayouts": { "x": null } } ] }""", "$.publishers[0].campaignPayouts.x")]
    [InlineData("""{ "buyers": [ { "key": "{key}", "name": "x", "contracts": [ { "key": "{key}-c", "campaign": "x", "schedule": { "timeZone": null } } ] } ] }""", "$.buyers[0].contracts[0].schedule.timeZone")]
    public async Task Import_with_a_null_where_a_value_is_required_is_422_with_its_path(string json, string path)
    {
        var before = await ExportAsync();

        var response = await PutAsync(json.Replace("{key}", TestWorkspace.Unique("k")));

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        ApiAssert.Errors(problem, path);
        Assert.Equal(before, await ExportAsync());
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("{ \"campaigns\": [ ")]
    [InlineData("")]
    [InlineData("null")]
    public async Task Import_of_something_not_a_json_document_is_400(string body)
    {
        var before = await ExportAsync();

        var response = await PutAsync(body);

        await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(before, await ExportAsync());
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("42")]
    public async Task Import_of_json_that_is_not_an_object_is_refused_with_a_problem(string body)
    {
        var response = await PutAsync(body);

        // A JSON value of the wrong type at the root: 422 with path "$" or 400 are both defensible.
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.UnprocessableEntity });
        await ApiAssert.ProblemAsync(response, response.StatusCode);
    }

    [Fact]
    public async Task Export_then_import_round_trips_and_keeps_publisher_keys_working()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        var export = await ExportAsync();

        var response = await PutAsync(export);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        ApiAssert.NoStackTrace(body);
        Assert.Equal(export, await ExportAsync());
        using var client = factory.Publisher(s.ApiKey);
        var answer = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign)));
        Assert.Equal("sold", answer.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Import_answers_with_the_resulting_workspace()
    {
        var key = TestWorkspace.Unique("camp");
        using var admin = factory.Admin();

        var response = await admin.PutAsJsonAsync("/api/v1/admin/workspace",
            new WorkspaceDocument { Campaigns = [TestWorkspace.Campaign(key)] }, WorkspaceJson.Options);

        var doc = await ApiAssert.OkJsonAsync(response);
        Assert.Contains(doc.GetProperty("campaigns").EnumerateArray(), c => c.GetProperty("key").GetString() == key);
    }
}
