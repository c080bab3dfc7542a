using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;

namespace LeadHub.Tests.Api;

// CONTRACT §1: every request POST /api/v1/leads refuses before looking at the lead gets its
// status and a problem details body, and stores nothing.
public class LeadPostRejectionTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    [Theory]
    [InlineData("not json at all", "body")]
    [InlineData("{\"campaign\": \"{campaign}\", \"fields\": {", "body")]
    [InlineData("[{\"campaign\": \"{campaign}\"}]", "body")]
    [InlineData("\"just a string\"", "body")]
    [InlineData("{\"fields\": {\"first_name\": \"Ana\"}}", "campaign")]
    [InlineData("{\"campaign\": 42, \"fields\": {\"first_name\": \"Ana\"}}", "campaign")]
    [InlineData("{\"campaign\": [\"{campaign}\"], \"fields\": {\"first_name\": \"Ana\"}}", "campaign")]
    [InlineData("{\"campaign\": \"{campaign}\"}", "fields")]
    [InlineData("{\"campaign\": \"{campaign}\", \"fields\": [\"Ana\"]}", "fields")]
    [InlineData("{\"campaign\": \"{campaign}\", \"fields\": \"first_name=Ana\"}", "fields")]
    [InlineData("{\"campaign\": \"{campaign}\", \"test\": \"yes\", \"fields\": {\"first_name\": \"Ana\"}}", "test")]
    [InlineData("{\"campaign\": \"{campaign}\", \"test\": 1, \"fields\": {\"first_name\": \"Ana\"}}", "test")]
    public async Task Malformed_body_is_400_with_the_offending_member_and_stores_nothing(string body, string errorKey)
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);

        var response = await client.PostAsync("/api/v1/leads", Bodies.Json(body.Replace("{campaign}", s.Campaign)));

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
        ApiAssert.Errors(problem, errorKey);
        Assert.Equal(0, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Several_shape_errors_are_reported_together()
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);

        var response = await client.PostAsync("/api/v1/leads", Bodies.Json("""{"campaign": 7, "test": "no", "fields": null}"""));

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
        ApiAssert.Errors(problem, "campaign");
        ApiAssert.Errors(problem, "test");
        ApiAssert.Errors(problem, "fields");
    }

    [Fact]
    public async Task Lead_without_a_content_type_header_is_still_processed()
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(TestWorkspace.Lead(s.Campaign)));
        Assert.Null(content.Headers.ContentType);

        var response = await client.PostAsync("/api/v1/leads", content);

        var answer = await ApiAssert.OkJsonAsync(response);
        Assert.Equal("unsold", answer.GetProperty("status").GetString());
        Assert.Equal(1, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Lead_sent_as_text_plain_is_still_processed()
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);
        var content = new StringContent(JsonSerializer.Serialize(TestWorkspace.Lead(s.Campaign)), Encoding.UTF8, "text/plain");

        var response = await client.PostAsync("/api/v1/leads", content);

        await ApiAssert.OkJsonAsync(response);
        Assert.Equal(1, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Missing_api_key_is_401()
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.CreateClient();

        var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign));

        await ApiAssert.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(0, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Theory]
    [InlineData("")]
    [InlineData("pk-not-a-real-key-0000000000000000")]
    public async Task Unknown_api_key_is_401(string apiKey)
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("X-Api-Key", apiKey);

        var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign));

        await ApiAssert.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(0, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Api_key_of_another_kind_of_secret_is_401()
    {
        // The admin token is not a publisher key.
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(LeadHubFactory.AdminToken);

        var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign));

        await ApiAssert.ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Disabled_publisher_is_401()
    {
        var s = await ApiScenario.CreateAsync(factory, publisher: p => p with { Active = false });
        using var client = factory.Publisher(s.ApiKey);

        var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign));

        await ApiAssert.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(0, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Publisher_disabled_after_posting_is_refused_from_then_on()
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);
        await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign)));

        await factory.ImportAsync(new WorkspaceDocument
        {
            Publishers = [TestWorkspace.Publisher(s.Publisher, s.ApiKey, s.Campaign) with { Active = false }],
        });
        var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign));

        await ApiAssert.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(1, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Publisher_not_allowed_on_the_campaign_is_403()
    {
        var mine = await ApiScenario.CreateAsync(factory);
        var other = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(mine.ApiKey);

        var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(other.Campaign));

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Contains(other.Campaign, problem.GetProperty("detail").GetString());
        Assert.Equal(0, await AdminReads.LeadCountAsync(factory, other.Campaign));
    }

    [Fact]
    public async Task Unknown_campaign_is_404()
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);
        var unknown = TestWorkspace.Unique("no-such-campaign");

        var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(unknown));

        await ApiAssert.ProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(0, await AdminReads.LeadCountAsync(factory, unknown));
    }

    [Fact]
    public async Task Idempotency_key_over_256_characters_is_400_and_stores_nothing()
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);
        client.DefaultRequestHeaders.Add("Idempotency-Key", new string('k', 257));

        var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign));

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
        ApiAssert.Errors(problem, "Idempotency-Key");
        Assert.Equal(0, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Body_over_64_KiB_is_413()
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);
        var lead = TestWorkspace.Lead(s.Campaign, new { last_name = new string('x', 70 * 1024) });

        var response = await client.PostAsJsonAsync("/api/v1/leads", lead);

        await ApiAssert.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Body_over_64_KiB_without_a_content_length_is_413()
    {
        // Chunked: the limit is enforced while reading, not only from the header.
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(TestWorkspace.Lead(s.Campaign, new { last_name = new string('x', 70 * 1024) }));
        var content = new StreamContent(new UnseekableStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await client.PostAsync("/api/v1/leads", content);

        await ApiAssert.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Body_just_under_64_KiB_is_accepted()
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);
        var json = JsonSerializer.Serialize(TestWorkspace.Lead(s.Campaign));
        var padded = json[..^1] + ", \"pad\": \"" + new string('x', 64 * 1024 - json.Length - 20) + "\"}";
        Assert.InRange(Encoding.UTF8.GetByteCount(padded), 60 * 1024, 64 * 1024);

        var response = await client.PostAsync("/api/v1/leads", Bodies.Json(padded));

        await ApiAssert.OkJsonAsync(response);
    }

    // A stream whose length is unknown, so HttpClient sends it without Content-Length.
    private sealed class UnseekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
