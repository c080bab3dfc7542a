using System.Collections.Concurrent;
using System.Net.Http.Json;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Api;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Leads;

// Pings carry no PII, so they leave while the lead is being stored; the post waits for that write.
// The tests hold back the commit that stores a new lead, or the dedupe read before the pings, or
// make that read fail, and the buyers look in the database when a ping and when a post reaches them.
public sealed class PingsBeforeStoredTests
{
    // What a buyer saw when called: its phase, and whether the lead was stored by then.
    private static async Task NoteWhetherStoredAsync(LeadHubFactory host, ReceivedCall call, ConcurrentQueue<(string Phase, bool Stored)> seen)
    {
        var id = Guid.Parse((string)(call.Phase == "ping" ? call.Body["pingId"] : call.Body["leadId"])!);
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        seen.Enqueue((call.Phase, await db.Leads.AnyAsync(l => l.Id == id)));
    }

    // A campaign with one ping/post buyer "b" (bid 12, accepts, unless the test says otherwise) and its
    // publisher's client.
    private static async Task<(string Campaign, HttpClient Publisher)> OneBuyerCampaignAsync(LeadHubFactory host, LoopbackBuyers buyers, string name)
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique(name), auctionTimeoutMs: 5000);
        var key = (name + "-key-0123456789abcdef")[..20];
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(name + "-pub", key, campaign.Key)],
            Buyers = [TestWorkspace.Buyer("b", TestWorkspace.PingPost("b-c", campaign.Key, buyers.PingUrl("b"), buyers.PostUrl("b"), timeoutMs: 3000))],
        });
        return (campaign.Key, host.Publisher(key));
    }

    private sealed class SlowReceiveFactory : LeadHubFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => [new("LeadHub:Testing:HoldReceiveMs", "400")];
    }

    [Fact]
    public async Task Pings_go_out_while_the_lead_is_stored_and_a_post_never_precedes_the_stored_lead()
    {
        await using var host = new SlowReceiveFactory();
        await using var buyers = await LoopbackBuyers.StartAsync();
        var seen = new ConcurrentQueue<(string Phase, bool Stored)>();
        buyers.Set("b", new BuyerBehaviour { Ping = BuyerAnswer.Bid(12), Post = BuyerAnswer.Accept(), OnCall = call => NoteWhetherStoredAsync(host, call, seen) });
        var (campaign, publisher) = await OneBuyerCampaignAsync(host, buyers, "early");

        var answer = await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign)));

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Equal([("ping", false), ("post", true)], seen.ToArray());
    }

    private sealed class SlowReadFactory : LeadHubFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => [new("LeadHub:Testing:HoldDedupeReadMs", "400")];
    }

    // On PostgreSQL the lead's write is queued before the dedupe read before the pings and runs beside
    // it; here the read comes after the write has committed. The lead's own row must not make it a duplicate: it is
    // pinged once and sold.
    [Fact]
    public async Task A_lead_whose_own_write_lands_before_its_dedupe_read_is_pinged_once_and_sold()
    {
        await using var host = new SlowReadFactory();
        await using var buyers = await LoopbackBuyers.StartAsync();
        buyers.Set("b", new BuyerBehaviour { Ping = BuyerAnswer.Bid(12), Post = BuyerAnswer.Accept() });
        var (campaign, publisher) = await OneBuyerCampaignAsync(host, buyers, "self");

        var answer = await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign)));

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Single(buyers.CallsTo("b", "ping"));
        Assert.Single(buyers.CallsTo("b", "post"));
    }

    private sealed class FailingReadFactory : LeadHubFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => [new("LeadHub:Testing:FailDedupeRead", "true")];
    }

    // The read before the pings only spares buyers a ping; when it fails (a dropped connection), the
    // lead's write decides: the lead is stored, then pinged and sold, and the publisher gets its answer.
    [Fact]
    public async Task A_lead_whose_dedupe_read_fails_is_stored_then_pinged_and_sold()
    {
        await using var host = new FailingReadFactory();
        await using var buyers = await LoopbackBuyers.StartAsync();
        var seen = new ConcurrentQueue<(string Phase, bool Stored)>();
        buyers.Set("b", new BuyerBehaviour { Ping = BuyerAnswer.Bid(12), Post = BuyerAnswer.Accept(), OnCall = call => NoteWhetherStoredAsync(host, call, seen) });
        var (campaign, publisher) = await OneBuyerCampaignAsync(host, buyers, "noread");

        var answer = await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign)));

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Equal([("ping", true), ("post", true)], seen.ToArray());
    }

    [Fact]
    public async Task A_known_duplicate_pings_nobody_and_is_never_posted()
    {
        await using var host = new SlowReceiveFactory();
        await using var buyers = await LoopbackBuyers.StartAsync();
        buyers.Set("b", new BuyerBehaviour { Ping = BuyerAnswer.Bid(12), Post = BuyerAnswer.Accept() });
        var (campaign, publisher) = await OneBuyerCampaignAsync(host, buyers, "dup");
        var person = TestWorkspace.Lead(campaign);
        await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync("/api/v1/leads", person));

        var second = await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync("/api/v1/leads", person));

        Assert.Equal("duplicate", second.GetProperty("status").GetString());
        Assert.Single(buyers.CallsTo("b", "ping"));
        Assert.Single(buyers.CallsTo("b", "post"));
        var stored = await AdminReads.LeadAsync(host, second.GetProperty("leadId").GetGuid());
        Assert.Equal("duplicate", stored.GetProperty("status").GetString());
    }
}
