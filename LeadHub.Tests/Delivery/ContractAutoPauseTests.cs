using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Delivery;

public sealed class ContractAutoPauseTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>
{
    [Fact]
    public async Task Contract_past_its_daily_post_error_limit_is_paused_and_shown_in_health()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("auto"));
        var buyer = TestWorkspace.Unique("erratic");
        buyers.Set(buyer, new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.ServerError() });
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        var contract = TestWorkspace.PingPost(buyer + "-c", campaign.Key, buyers.PingUrl(buyer), buyers.PostUrl(buyer)) with { MaxPostErrors = 1 };
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers = [TestWorkspace.Buyer(buyer, contract)],
        });
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Services.GetRequiredService<RoutingSnapshotHolder>().Swapped += s =>
        {
            if (s.Contracts.TryGetValue(contract.Key, out var c) && !c.Config.Active) paused.TrySetResult();
        };
        using var publisher = host.Publisher(apiKey);

        await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign.Key));
        await paused.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign.Key));

        Assert.Single(buyers.CallsTo(buyer, "ping"));
        using var admin = host.Admin();
        var health = await admin.GetFromJsonAsync<JsonElement>("/api/v1/admin/health");
        var row = health.EnumerateArray().Single(h => h.GetProperty("contract").GetString() == contract.Key);
        Assert.False(row.GetProperty("active").GetBoolean());
        Assert.Equal(1, row.GetProperty("postErrorsToday").GetInt32());
    }
}
