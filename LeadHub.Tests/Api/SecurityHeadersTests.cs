using System.Net;
using System.Text.RegularExpressions;
using LeadHub.Tests.Infrastructure;

namespace LeadHub.Tests.Api;

// A browser must never guess a content type (nosniff everywhere) and a portal page runs only
// LeadHub's own scripts (content security policy with a per-request nonce for the import map).
public class SecurityHeadersTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    [Theory]
    [InlineData("GET", "/health/live")]
    [InlineData("GET", "/api/v1/admin/workspace")]
    [InlineData("POST", "/api/v1/leads")]
    [InlineData("GET", "/no-such-page")]
    [InlineData("GET", "/account/login")]
    [InlineData("GET", "/openapi/v1.json")]
    public async Task Every_response_forbids_content_sniffing(string method, string path)
    {
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task Portal_page_has_a_content_security_policy_whose_nonce_is_on_its_inline_script()
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/account/login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.DoesNotContain("unsafe-eval", policy);
        var nonce = Regex.Match(policy, "'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        var html = await response.Content.ReadAsStringAsync();
        // Every inline script carries this request's nonce, or the browser would refuse it.
        var inline = Regex.Matches(html, "<script(?![^>]*\\bsrc=)[^>]*>").Select(m => m.Value).ToList();
        Assert.NotEmpty(inline);
        Assert.All(inline, tag => Assert.Contains($"nonce=\"{nonce}\"", WebUtility.HtmlDecode(tag)));

        using var again = await client.GetAsync("/account/login");
        Assert.DoesNotContain(nonce, Assert.Single(again.Headers.GetValues("Content-Security-Policy")));
    }

    [Fact]
    public async Task Api_answers_carry_no_page_policy()
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/health/live");

        Assert.False(response.Headers.Contains("Content-Security-Policy"));
    }
}
