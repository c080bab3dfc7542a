using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Leads;

public sealed class DedupeTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>, IAsyncLifetime
{
    private LoopbackBuyers _buyers = null!;

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync() => await _buyers.DisposeAsync();

    [Fact]
    public async Task Same_person_posted_five_times_at_once_is_routed_once()
    {
        // Deadlines far beyond any machine's load: this is about who is routed, not how fast (under a full CI
        // run the default 300 ms ping once timed out, and the one routed copy came back unsold).
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("dedupe"), auctionTimeoutMs: 10_000);
        var buyer = TestWorkspace.Unique("buyer");
        _buyers.Set(buyer, new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() });
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers = [TestWorkspace.Buyer(buyer, TestWorkspace.PingPost(buyer + "-c", campaign.Key, _buyers.PingUrl(buyer), _buyers.PostUrl(buyer), timeoutMs: 5_000))],
        });
        using var publisher = host.Publisher(apiKey);
        var samePerson = new { phone = "(415) 555-0199", email = "Same.Person@Example.com" };

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign.Key, i % 2 == 0 ? samePerson : new { samePerson.phone }))));
        var statuses = await Task.WhenAll(responses.Select(async r =>
            (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString()));

        Assert.Equal(["duplicate", "duplicate", "duplicate", "duplicate", "sold"], statuses.Order());
        // Copies arriving at the same moment may each be pinged (pings leave while the lead is stored,
        // README "How it works"); only the one stored as new is ever posted.
        Assert.Single(_buyers.CallsTo(buyer, "post"));
    }
}
