using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Delivery;

// A host whose workspace file (imported before anything else runs) carries buyer credentials:
// the very first secret creates the Data Protection key in the same database.
public sealed class StartupCredentialsHost : LeadHubFactory
{
    public string Password { get; } = "pw-" + Guid.NewGuid().ToString("N");
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"leadhub-ws-{Guid.NewGuid():N}.json");

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings
    {
        get
        {
            var doc = new WorkspaceDocument
            {
                Campaigns = [TestWorkspace.Campaign("auto")],
                Buyers =
                [
                    TestWorkspace.Buyer("acme", TestWorkspace.PingPost("acme-c", "auto", "http://127.0.0.1:9/ping", "http://127.0.0.1:9/post") with
                    {
                        Format = new BuyerFormat { Auth = new BuyerAuth { Type = AuthTypes.Basic, Username = "acme", Password = Password } },
                    }),
                ],
            };
            File.WriteAllText(_file, JsonSerializer.Serialize(doc, WorkspaceJson.Options));
            return [new("LeadHub:WorkspaceFile", _file)];
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(_file);
    }
}

public sealed class StartupCredentialsTests(StartupCredentialsHost host) : IClassFixture<StartupCredentialsHost>
{
    [Fact]
    public async Task Credentials_in_the_startup_workspace_file_are_stored_encrypted_and_used()
    {
        using var admin = host.Admin();
        var export = await admin.GetStringAsync("/api/v1/admin/workspace");

        Assert.DoesNotContain(host.Password, export);
        var auth = JsonNode.Parse(export)!["buyers"]![0]!["contracts"]![0]!["format"]!["auth"]!;
        Assert.True((bool)auth["passwordSet"]!);
        var contract = host.Services.GetRequiredService<RoutingSnapshotHolder>().Current.Contracts["acme-c"];
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:9/ping");
        contract.Format!.Authorize(request);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("acme:" + host.Password)),
            request.Headers.GetValues("Authorization").Single());
    }
}
