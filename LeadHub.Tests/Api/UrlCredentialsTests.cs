using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeadHub.Core.Security;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Api;

// A buyer URL with "user:pass@" routes with its credentials, but an export, the portal and the
// audit log show "https://***@host/…"; importing that export back keeps the stored credentials.
public class UrlCredentialsTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    private const string Secret = "s3cr3t-pa55";

    private async Task<(string Buyer, string Contract)> BuyerWithCredentialsAsync()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("cred"));
        var buyer = TestWorkspace.Unique("cred-buyer");
        var contract = TestWorkspace.PingPost(buyer + "-c", campaign.Key, $"https://acme:{Secret}@buyer.example/ping",
            $"https://acme:{Secret}@buyer.example/post?x=1");
        Assert.Empty(await factory.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [campaign], Buyers = [TestWorkspace.Buyer(buyer, contract)] }));
        return (buyer, contract.Key);
    }

    private ContractConfig Routed(string contract) => factory.Services.GetRequiredService<RoutingSnapshotHolder>().Current.Contracts[contract].Config;

    private async Task<string> ExportJsonAsync()
    {
        using var admin = factory.Admin();
        return await (await admin.GetAsync("/api/v1/admin/workspace")).Content.ReadAsStringAsync();
    }

    [Theory]
    [InlineData("https://user:pass@host.example/ping", "https://***@host.example/ping")]
    [InlineData("http://user@host.example:8080/p?q=a@b", "http://***@host.example:8080/p?q=a@b")]
    [InlineData("https://host.example/p?next=a@b", "https://host.example/p?next=a@b")]
    [InlineData("https://host.example/ping", "https://host.example/ping")]
    [InlineData("""{"pingUrl":"https://u:p@a.example/x","postUrl":"https://u:p@b.example/y"}""", """{"pingUrl":"https://***@a.example/x","postUrl":"https://***@b.example/y"}""")]
    public void Redact_hides_user_and_password_only(string text, string expected) => Assert.Equal(expected, UrlCredentials.Redact(text));

    [Fact]
    public async Task Export_shows_buyer_urls_without_their_credentials_while_routing_keeps_them()
    {
        var (_, contract) = await BuyerWithCredentialsAsync();

        var json = await ExportJsonAsync();

        Assert.DoesNotContain(Secret, json);
        Assert.Contains("https://***@buyer.example/ping", json);
        Assert.Contains("https://***@buyer.example/post?x=1", json);
        Assert.Equal($"https://acme:{Secret}@buyer.example/ping", Routed(contract).PingUrl);
    }

    [Fact]
    public async Task Importing_an_export_back_keeps_the_stored_credentials()
    {
        var (_, contract) = await BuyerWithCredentialsAsync();
        using var admin = factory.Admin();

        var response = await admin.PutAsync("/api/v1/admin/workspace", Bodies.Json(await ExportJsonAsync()));

        await ApiAssert.OkJsonAsync(response);
        Assert.Equal($"https://acme:{Secret}@buyer.example/ping", Routed(contract).PingUrl);
        Assert.Equal($"https://acme:{Secret}@buyer.example/post?x=1", Routed(contract).PostUrl);
    }

    [Fact]
    public async Task A_redacted_url_pointed_at_another_host_is_refused_so_credentials_never_follow_it()
    {
        var (buyer, contract) = await BuyerWithCredentialsAsync();
        var doc = JsonNode.Parse(await ExportJsonAsync())!;
        var c = doc["buyers"]!.AsArray().Single(b => (string?)b!["key"] == buyer)!["contracts"]![0]!;
        c["pingUrl"] = "https://***@evil.example/ping";
        using var admin = factory.Admin();

        var response = await admin.PutAsync("/api/v1/admin/workspace", Bodies.Json(doc.ToJsonString()));

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains(problem.GetProperty("errors").EnumerateObject(), e => e.Name.EndsWith("pingUrl") && e.Value[0].GetString()!.Contains("***"));
        Assert.Equal($"https://acme:{Secret}@buyer.example/ping", Routed(contract).PingUrl);
    }

    [Fact]
    public async Task Audit_log_rows_never_hold_url_credentials()
    {
        var (_, contract) = await BuyerWithCredentialsAsync();

        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var rows = await db.Audit.Where(a => a.EntityKey == contract).ToListAsync();

        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.DoesNotContain(Secret, (r.Before ?? "") + (r.After ?? "")));
        Assert.Contains(rows, r => r.After?.Contains("https://***@buyer.example/ping") == true);
    }
}
