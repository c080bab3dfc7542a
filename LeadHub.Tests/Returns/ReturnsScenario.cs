using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Returns;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Returns;

// A campaign with one loopback buyer that has an API key for the returns API; leads are posted
// through the real publisher endpoint, so they are sold exactly as in production.
public sealed record ReturnsScenario(string Campaign, string Buyer, string BuyerApiKey, string PublisherApiKey)
{
    public const decimal Price = 12.50m;
    public const decimal Payout = 8.75m; // 70 % revshare of the price

    public static async Task<ReturnsScenario> CreateAsync(LeadHubFactory host, LoopbackBuyers buyers, int returnWindowDays = 7)
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("ret"), auctionTimeoutMs: 10_000) with { ReturnWindowDays = returnWindowDays };
        var buyer = TestWorkspace.Unique("rbuyer");
        var buyerApiKey = "bk-" + Guid.NewGuid().ToString("N");
        var publisherApiKey = "pk-" + Guid.NewGuid().ToString("N");
        buyers.Set(buyer, new BuyerBehaviour { Ping = BuyerAnswer.Bid(Price), Post = BuyerAnswer.Accept() });
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), publisherApiKey, campaign.Key)],
            Buyers =
            [
                TestWorkspace.Buyer(buyer, TestWorkspace.PingPost(buyer + "-c", campaign.Key, buyers.PingUrl(buyer), buyers.PostUrl(buyer), timeoutMs: 10_000))
                    with { ApiKey = buyerApiKey },
            ],
        });
        return new ReturnsScenario(campaign.Key, buyer, buyerApiKey, publisherApiKey);
    }

    // Posts one lead and returns its id and status (sold while the buyer bids and accepts).
    public async Task<(Guid LeadId, string Status)> PostLeadAsync(LeadHubFactory host)
    {
        using var publisher = host.Publisher(PublisherApiKey);
        var response = await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(Campaign));
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, answer.ToString());
        return (answer.GetProperty("leadId").GetGuid(), answer.GetProperty("status").GetString()!);
    }

    public async Task<Guid> SoldLeadAsync(LeadHubFactory host)
    {
        var (leadId, status) = await PostLeadAsync(host);
        Assert.Equal(LeadStatus.Sold, status);
        return leadId;
    }

    public HttpClient BuyerClient(LeadHubFactory host)
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", BuyerApiKey);
        return client;
    }
}

public static class ReturnsDb
{
    public static async Task<T> QueryAsync<T>(LeadHubFactory host, Func<LeadHubDbContext, Task<T>> query)
    {
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        return await query(db);
    }

    public static Task<LeadRow> LeadAsync(LeadHubFactory host, Guid leadId) =>
        QueryAsync(host, db => db.Leads.AsNoTracking().SingleAsync(l => l.Id == leadId));

    public static Task<List<ReturnRow>> ReturnsOfAsync(LeadHubFactory host, Guid leadId) =>
        QueryAsync(host, db => db.Returns.AsNoTracking().Where(r => r.LeadId == leadId).ToListAsync());

    public static Task<List<AuditRow>> AuditOfAsync(LeadHubFactory host, Guid returnId) =>
        QueryAsync(host, db => db.Audit.AsNoTracking().Where(a => a.EntityType == "return" && a.EntityKey == returnId.ToString())
            .OrderBy(a => a.Id).ToListAsync());
}
