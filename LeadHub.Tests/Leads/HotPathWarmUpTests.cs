using System.Net;
using System.Text.Json;
using LeadHub.Tests.Delivery;
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
        // It ran auctions through the buyer client (against its own loopback buyer), not only the writer.
        var warmed = Assert.Single(host.Logs, line => line.Contains("Warmed up the hot path with"));
        Assert.DoesNotContain(" 0 auctions", warmed);
        Assert.DoesNotContain(" 0 buyer requests", warmed);
        Assert.Empty(buyers.Calls);
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        // The writer rehearsed its statements and rolled them back: no lead, trace, intent, cap or figure.
        Assert.Contains(host.Logs, line => line.Contains("rehearsed writes") && !line.Contains(" 0 rehearsed writes"));
        Assert.Equal((0, 0, 0, 0, 0, 0), (await db.Leads.CountAsync(), await db.TraceSteps.CountAsync(), await db.TracePings.CountAsync(),
            await db.PostIntents.CountAsync(), await db.CapCounters.CountAsync(), await db.KpiBuckets.CountAsync()));
        File.Delete(file);
    }
}
