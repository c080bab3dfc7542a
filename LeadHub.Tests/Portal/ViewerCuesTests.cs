using Bunit;
using LeadHub.Core.Audit;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Tokens;
using LeadHub.Core.Security;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

// Cues and guards around changes: revoking asks first, the audit shows fields (never secrets), the tab has an icon.
public sealed class ViewerCuesTests(LeadHubFactory host) : PortalTestContext(host)
{
    [Fact]
    public async Task Revoking_a_token_asks_first_and_cancelling_keeps_it_working()
    {
        var tokens = Host.Services.GetRequiredService<AdminTokens>();
        var (row, _) = await tokens.CreateAsync(TestWorkspace.Unique("ci"), "seed");
        SignInAs(Roles.Admin);
        var cut = RenderPage<ApiTokens>();
        cut.WaitForAssertion(() => cut.Find($"#token-revoke-{row.Id}"));

        cut.Find($"#token-revoke-{row.Id}").Click();
        cut.WaitForAssertion(() => Assert.Contains("Revoke this token?", cut.Markup));
        Assert.Contains(row.Name, cut.Find(".mud-dialog").TextContent);
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Cancel").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-dialog")));
        Assert.Null((await tokens.ListAsync()).Single(t => t.Id == row.Id).RevokedAt);
        Assert.NotNull(cut.Find($"#token-revoke-{row.Id}"));
    }

    [Fact]
    public void The_audit_diff_lists_changed_fields_and_hides_secrets_and_url_credentials()
    {
        var changes = AuditDiff.Of(
            """{"name":"Acme","caps":{"daily":100},"apiKey":"old-secret","postUrl":"https://u:p@buyer.example/post","segments":["a"]}""",
            """{"name":"Acme Inc","caps":{"daily":200},"apiKey":"new-secret","postUrl":"https://u:q@buyer.example/post","segments":["a","b"]}""")
            .ToDictionary(c => c.Path);

        Assert.Equal(("Acme", "Acme Inc"), (changes["name"].Before, changes["name"].After));
        Assert.Equal(("100", "200"), (changes["caps.daily"].Before, changes["caps.daily"].After));
        Assert.Equal((null, "b"), (changes["segments[1]"].Before, changes["segments[1]"].After));
        Assert.Equal((AuditDiff.Hidden, AuditDiff.Hidden), (changes["apiKey"].Before, changes["apiKey"].After));
        Assert.DoesNotContain(changes.Values, c => (c.Before + c.After).Contains("secret") || (c.Before + c.After).Contains("u:p@"));
        Assert.False(changes.ContainsKey("segments[0]"));
    }

    [Fact]
    public async Task The_favicon_is_served()
    {
        using var client = Host.CreateClient();

        using var response = await client.GetAsync("/favicon.ico");

        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0, 0, 1, 0 }, bytes[..4]); // an ICO header
    }
}
