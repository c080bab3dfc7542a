using System.Net;
using System.Net.Http.Headers;
using Bunit;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Tokens;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

public sealed class ApiTokensPageTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<HttpStatusCode> AdminApiWithAsync(string token)
    {
        using var client = Host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await client.GetAsync("/api/v1/admin/leads")).StatusCode;
    }

    [Fact]
    public async Task Admin_creates_a_token_shown_once_that_opens_the_admin_api_until_revoked()
    {
        SignInAs(Roles.Admin);
        var cut = RenderPage<ApiTokens>();
        var name = TestWorkspace.Unique("pipeline");
        cut.WaitForAssertion(() => cut.Find("input#token-name"));

        cut.Find("input#token-name").Change(name);
        cut.Find("#token-create").Click();
        cut.WaitForAssertion(() => cut.Find("#token-value"));
        var token = cut.Find("#token-value").TextContent.Trim();

        Assert.Equal(HttpStatusCode.OK, await AdminApiWithAsync(token));
        var row = cut.FindAll("#tokens-table tbody tr").Single(r => r.TextContent.Contains(name));
        row.QuerySelector("button")!.Click();
        cut.WaitForAssertion(() => cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Revoke token").Click());
        cut.WaitForAssertion(() => Assert.Contains("revoked", cut.FindAll("#tokens-table tbody tr").Single(r => r.TextContent.Contains(name)).TextContent));
        Assert.Equal(HttpStatusCode.Unauthorized, await AdminApiWithAsync(token));
    }

    [Fact]
    public async Task Creating_after_losing_the_admin_role_is_refused()
    {
        SignInAs(Roles.Admin);
        var cut = RenderPage<ApiTokens>();
        var name = TestWorkspace.Unique("sneaky");
        cut.WaitForAssertion(() => cut.Find("input#token-name"));
        cut.Find("input#token-name").Change(name);

        SignInAs(Roles.Manager);
        cut.Find("#token-create").Click();

        Assert.Empty(cut.FindAll("#token-value"));
        var tokens = await Host.Services.GetRequiredService<LeadHub.Core.Security.AdminTokens>().ListAsync();
        Assert.DoesNotContain(tokens, t => t.Name == name);
    }
}
