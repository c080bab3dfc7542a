using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Core.Leads;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Sandbox;

// The demo host listens on a real socket, because its traffic generator and sandbox buyers
// talk to it over HTTP exactly as publishers and buyers would.
public sealed class DemoHostFactory : LeadHubFactory
{
    public DemoHostFactory() => UseKestrel(0);

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("LeadHub:Demo", "true"),
        new("LeadHub:DemoLeadsPerSecond", "25"),
        new("LeadHub:Sandbox:Buyers:always-yes:PassRate", "0"),
        new("LeadHub:Sandbox:Buyers:always-yes:RejectRate", "0"),
        new("LeadHub:Sandbox:Buyers:always-yes:BidMean", "20"),
        new("LeadHub:Sandbox:Buyers:always-yes:BidStdDev", "0"),
        new("LeadHub:Sandbox:Buyers:always-yes:LatencyMeanMs", "0"),
        new("LeadHub:Sandbox:Buyers:always-yes:PostLatencyMeanMs", "0"),
        new("LeadHub:Sandbox:Buyers:always-no:PassRate", "1"),
        new("LeadHub:Sandbox:Buyers:always-no:LatencyMeanMs", "0"),
        new("LeadHub:Sandbox:Buyers:picky:RejectRate", "1"),
        new("LeadHub:Sandbox:Buyers:picky:RejectReasons:0", "bad phone"),
        new("LeadHub:Sandbox:Buyers:picky:PostLatencyMeanMs", "0"),
    ];
}

public sealed class SandboxTests(DemoHostFactory host) : IClassFixture<DemoHostFactory>
{
    private HttpClient Client()
    {
        host.StartServer();
        return host.CreateClient();
    }

    [Fact]
    public async Task Sandbox_buyer_bids_per_its_profile()
    {
        using var client = Client();
        var ping = new { pingId = "p1", campaign = "auto-insurance", lead = new { state = "CA", age = 40 } };

        var yes = await (await client.PostAsJsonAsync("/sandbox/buyers/always-yes/ping", ping)).Content.ReadFromJsonAsync<JsonElement>();
        var no = await (await client.PostAsJsonAsync("/sandbox/buyers/always-no/ping", ping)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(20m, yes.GetProperty("bid").GetDecimal());
        Assert.Equal("pass", no.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Sandbox_buyer_rejects_posts_with_its_reasons()
    {
        using var client = Client();
        var post = new { pingId = "p1", leadId = Guid.NewGuid(), price = 10, lead = new { state = "CA" } };

        var picky = await (await client.PostAsJsonAsync("/sandbox/buyers/picky/post", post)).Content.ReadFromJsonAsync<JsonElement>();
        var yes = await (await client.PostAsJsonAsync("/sandbox/buyers/always-yes/post", post)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.False(picky.GetProperty("accepted").GetBoolean());
        Assert.Equal("bad phone", picky.GetProperty("reason").GetString());
        Assert.True(yes.GetProperty("accepted").GetBoolean());
        Assert.StartsWith("always-yes-", yes.GetProperty("buyerLeadId").GetString());
    }

    [Fact]
    public async Task Demo_seeds_a_workspace_and_its_traffic_sells_leads()
    {
        using var admin = Client();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", LeadHubFactory.AdminToken);

        var firstSale = new TaskCompletionSource<LeadFinish>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Services.GetRequiredService<LeadWriter>().Finished += f =>
        {
            if (f.Status == "sold") firstSale.TrySetResult(f);
        };
        await host.Services.GetRequiredService<DemoRunner>().Seeded.WaitAsync(TimeSpan.FromSeconds(30));

        var workspace = await admin.GetFromJsonAsync<WorkspaceDocument>("/api/v1/admin/workspace", WorkspaceJson.Options);
        Assert.Equal(["auto-insurance", "mortgage", "solar"], workspace!.Campaigns.Select(c => c.Key));
        Assert.Equal(5, workspace.Publishers.Count);
        Assert.Equal(13, workspace.Buyers.Count);
        Assert.Contains(workspace.Buyers.SelectMany(b => b.Contracts), c => c.Mode == ContractModes.DirectPost && c.Tier == 1);
        var port = admin.BaseAddress!.Port;
        Assert.All(workspace.Buyers.SelectMany(b => b.Contracts), c => Assert.Contains($":{port}/sandbox/buyers/", c.PostUrl));

        // The generator posts through the real endpoint; its first sale is stored and readable.
        var sale = await firstSale.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var lead = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/admin/leads/{sale.LeadId}");
        Assert.Equal("sold", lead.GetProperty("status").GetString());
        Assert.Contains(DemoWorkspace.PublisherKeys, k => k == lead.GetProperty("publisher").GetString());
    }

    [Fact]
    public async Task Sandbox_is_not_reachable_when_demo_and_sandbox_are_off()
    {
        await using var plain = new LeadHubFactory();
        using var client = plain.CreateClient();

        var response = await client.PostAsJsonAsync("/sandbox/buyers/always-yes/ping", new { pingId = "p" });

        // 404, or 405 in an unpublished build whose static-file fallback matches any GET path.
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed });
    }
}
