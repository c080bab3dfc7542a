using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Tests.Delivery;
using LeadHub.Core.Leads;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Leads;

// A starting node runs its hot path before it says it is ready: it then says so, having called no
// buyer and stored nothing.
public sealed class HotPathWarmUpTests
{
    // The workspace comes from a file, as in production, so it is there before the warm-up starts.
    private sealed class WarmingFactory(string workspaceFile) : LogCapturingLeadHubFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
            [new("LeadHub:WarmUpSeconds", "1"), new("LeadHub:WorkspaceFile", workspaceFile)];
    }

    [Fact]
    public async Task A_starting_node_is_ready_after_warming_up_without_calling_a_buyer_or_storing_a_lead()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("warm"));
        var file = Path.Combine(Path.GetTempPath(), $"leadhub-warm-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Buyers = [TestWorkspace.Buyer("warm-b", TestWorkspace.PingPost("warm-c", campaign.Key, buyers.PingUrl("warm-b"), buyers.PostUrl("warm-b")))],
        }, WorkspaceJson.Options));
        await using var host = new WarmingFactory(file);
        using var client = host.CreateClient();

        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        HttpStatusCode status;
        while ((status = (await client.GetAsync("/health/ready")).StatusCode) != HttpStatusCode.OK && DateTimeOffset.UtcNow < deadline)
            await Task.Delay(50);

        Assert.Equal(HttpStatusCode.OK, status);
        // It ran leads through an intake and the buyer client (against its own loopback buyer), not only the writer.
        var warmed = Assert.Single(host.Logs, line => line.Contains("Warmed up the hot path with"));
        Assert.DoesNotContain("with 0 leads", warmed);
        Assert.DoesNotContain(" 0 buyer requests", warmed);
        Assert.Empty(buyers.Calls);
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        // The writer rehearsed its statements and rolled them back: no lead, trace, intent, cap or figure.
        Assert.Contains(host.Logs, line => line.Contains("rehearsed writes") && !line.Contains(" 0 rehearsed writes"));
        Assert.Equal((0, 0, 0, 0, 0, 0), (await db.Leads.CountAsync(), await db.TraceSteps.CountAsync(), await db.TracePings.CountAsync(),
            await db.PostIntents.CountAsync(), await db.CapCounters.CountAsync(), await db.KpiBuckets.CountAsync()));
        File.Delete(file);
    }
    // As deployed: Kestrel on a port. The warm-up's leads go through the node's own publisher endpoint
    // (key check, rate limit, body, answer JSON) on a lane of their own, and the real path is untouched:
    // no buyer of the workspace called, nothing stored, and the first real lead sells as usual.
    [Fact]
    public async Task A_starting_node_warms_its_own_publisher_endpoint_without_calling_a_buyer_or_storing_a_lead()
    {
        const string adminToken = "warm-admin-token-0123456789", publisherKey = "warm-publisher-key-0123456789";
        await using var buyers = await LoopbackBuyers.StartAsync();
        buyers.Set("warm-b", new BuyerBehaviour { Ping = BuyerAnswer.Bid(12), Post = BuyerAnswer.Accept() });
        await using var database = TestDatabase.CreateDefault();
        var dir = Directory.CreateTempSubdirectory("leadhub-warm-");
        var file = Path.Combine(dir.FullName, "workspace.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new WorkspaceDocument
        {
            Campaigns = [TestWorkspace.Campaign("warm-http")],
            Publishers = [TestWorkspace.Publisher("warm-pub", publisherKey, "warm-http")],
            Buyers = [TestWorkspace.Buyer("warm-b", TestWorkspace.PingPost("warm-c", "warm-http", buyers.PingUrl("warm-b"), buyers.PostUrl("warm-b")))],
        }, WorkspaceJson.Options));

        using var app = AppProcess.Start(database, adminToken, file, new Dictionary<string, string> { ["LeadHub__WarmUpSeconds"] = "8" });

        // Logged before ready; read from the process's output, which may trail it.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        string? warmed;
        while ((warmed = app.Output.FirstOrDefault(l => l.Contains("Warmed up the hot path with"))) is null && DateTimeOffset.UtcNow < deadline)
            await Task.Delay(50);
        Assert.NotNull(warmed);
        var overHttp = int.Parse(System.Text.RegularExpressions.Regex.Match(warmed, @"\((\d+) through the publisher endpoint\)").Groups[1].Value);
        Assert.True(overHttp >= 1, warmed);
        Assert.Empty(buyers.Calls);
        using var admin = new HttpClient { BaseAddress = app.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", adminToken);
        var stored = await admin.GetFromJsonAsync<JsonElement>("/api/v1/admin/leads");
        Assert.Equal(0, stored.GetProperty("items").GetArrayLength());

        using var publisher = new HttpClient { BaseAddress = app.BaseAddress };
        publisher.DefaultRequestHeaders.Add("X-Api-Key", publisherKey);
        var answer = await (await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead("warm-http"))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Single(buyers.CallsTo("warm-b", "post"));
        app.Kill();
        dir.Delete(recursive: true);
    }
    [Fact]
    public void A_warm_up_file_left_by_a_killed_node_is_removed_at_the_next_start_and_a_fresh_one_is_kept()
    {
        var dir = Directory.CreateTempSubdirectory("leadhub-leftovers-");
        var now = DateTimeOffset.UtcNow;
        string Touch(string name, TimeSpan age)
        {
            var path = Path.Combine(dir.FullName, name);
            File.WriteAllText(path, "x");
            File.SetLastWriteTimeUtc(path, (now - age).UtcDateTime);
            return path;
        }
        var leftover = Touch("leadhub-warm-up-0a1b.db", TimeSpan.FromHours(2));
        var leftoverWal = Touch("leadhub-warm-up-0a1b.db-wal", TimeSpan.FromHours(2));
        var warmingNow = Touch("leadhub-warm-up-2c3d.db", TimeSpan.FromMinutes(1));
        var database = Touch("leadhub.db", TimeSpan.FromDays(3));

        WarmUpLane.RemoveLeftovers(dir.FullName, now);

        Assert.False(File.Exists(leftover));
        Assert.False(File.Exists(leftoverWal));
        Assert.True(File.Exists(warmingNow));
        Assert.True(File.Exists(database));
        dir.Delete(recursive: true);
    }
}
