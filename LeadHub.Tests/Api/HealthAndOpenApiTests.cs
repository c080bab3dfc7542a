using System.Net;
using LeadHub.Tests.Infrastructure;

namespace LeadHub.Tests.Api;

// CONTRACT §7 health endpoints and the OpenAPI document that documents the contract.
public class HealthAndOpenApiTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_answer_200_without_credentials(string path)
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync(path);

        await ApiAssert.OkJsonAsync(response);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_publisher_and_admin_api()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/openapi/v1.json");

        var doc = await ApiAssert.OkJsonAsync(response);
        var paths = doc.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/leads", "/api/v1/pings", "/api/v1/pings/{pingId}/post", "/api/v1/admin/workspace", "/api/v1/admin/leads" })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not documented");
        var leadResponses = paths.GetProperty("/api/v1/leads").GetProperty("post").GetProperty("responses");
        foreach (var status in new[] { "200", "400", "401", "403", "404", "413", "422", "429" })
            Assert.True(leadResponses.TryGetProperty(status, out _), $"POST /api/v1/leads does not document {status}");
        Assert.True(paths.GetProperty("/api/v1/leads").GetProperty("post").TryGetProperty("requestBody", out _));
    }

    [Fact]
    public async Task Unknown_path_is_404_without_a_stack_trace()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/api/v1/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        ApiAssert.NoStackTrace(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Wrong_method_on_the_leads_endpoint_is_405_without_a_stack_trace()
    {
        using var client = factory.CreateClient();

        // PUT, not GET: an unpublished build maps a GET fallback for static files, which makes
        // every unknown GET a 404 rather than a 405.
        var response = await client.PutAsync("/api/v1/leads", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        ApiAssert.NoStackTrace(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Lead_id_that_is_not_a_guid_is_404_without_a_stack_trace()
    {
        using var admin = factory.Admin();

        var response = await admin.GetAsync("/api/v1/admin/leads/not-a-guid");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        ApiAssert.NoStackTrace(await response.Content.ReadAsStringAsync());
    }
}
