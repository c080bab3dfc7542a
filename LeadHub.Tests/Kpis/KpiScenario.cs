using System.Net.Http.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Kpis;

// A campaign of its own with two loopback buyers whose figures are easy to predict: `rich`
// bids 20 and rejects every post, `steady` bids 10 and accepts. Every valid lead is therefore
// pinged twice (bids 20 and 10), posted twice (one rejection) and sold to steady at 10.00,
// paying the publisher 7.00 (70 % revshare).
public sealed record KpiScenario(string Campaign, string Publisher, string ApiKey, string Rich, string Steady)
{
    public static async Task<KpiScenario> CreateAsync(LeadHubFactory host, LoopbackBuyers buyers)
    {
        var campaign = TestWorkspace.Unique("kpi");
        var publisher = TestWorkspace.Unique("kpi-pub");
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        var rich = TestWorkspace.Unique("rich");
        var steady = TestWorkspace.Unique("steady");
        buyers.Set(rich, new BuyerBehaviour { Ping = BuyerAnswer.Bid(20), Post = BuyerAnswer.Reject("duplicate") });
        buyers.Set(steady, new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() });
        // Generous timeouts: a busy machine must not turn a loopback answer into a timeout.
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [TestWorkspace.Campaign(campaign, auctionTimeoutMs: 10_000)],
            Publishers = [TestWorkspace.Publisher(publisher, apiKey, campaign)],
            Buyers =
            [
                TestWorkspace.Buyer(rich, TestWorkspace.PingPost(rich + "-c", campaign, buyers.PingUrl(rich), buyers.PostUrl(rich), timeoutMs: 10_000)),
                TestWorkspace.Buyer(steady, TestWorkspace.PingPost(steady + "-c", campaign, buyers.PingUrl(steady), buyers.PostUrl(steady), timeoutMs: 10_000)),
            ],
        });
        return new KpiScenario(campaign, publisher, apiKey, rich, steady);
    }

    public object ValidLead() => TestWorkspace.Lead(Campaign);

    public object InvalidLead() => TestWorkspace.Lead(Campaign, new { zip = "not-a-zip" });

    public async Task<string> PostAsync(LeadHubFactory host, object lead)
    {
        using var publisher = host.Publisher(ApiKey);
        var response = await publisher.PostAsJsonAsync("/api/v1/leads", lead);
        if ((int)response.StatusCode == 422) return "invalid";
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("status").GetString()!;
    }
}
