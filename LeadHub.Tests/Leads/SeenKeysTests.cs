using System.Net.Http.Json;
using LeadHub.Core.Leads;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Api;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadHub.Tests.Leads;

// The dedupe keys a SQLite node has stored, kept in memory so a new person's lead skips the read before
// its pings. It may say "maybe" for a key never stored; it must never say "no" for one stored.
// A real SQLite file.
public sealed class SeenKeysTests : IAsyncLifetime
{
    private readonly TestDatabase _database = TestDatabase.CreateSqlite();
    private PooledDbContextFactory<LeadHubDbContext> _factory = null!;
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 9, 0, 0, TimeSpan.Zero);

    public async Task InitializeAsync()
    {
        _factory = await _database.MigratedSqliteAsync();
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private static NewLead Lead(string campaign, string? phone, string? email, string? idempotencyKey = null, string publisher = "pub") =>
        new(Guid.CreateVersion7(Now), campaign, publisher, null, null, idempotencyKey, false, LeadStatus.Sold, "{}", null,
            phone, email, Now, Now, null, null);

    private static LeadRow Row(NewLead l) => new()
    {
        Id = l.Id, CampaignKey = l.CampaignKey, PublisherKey = l.PublisherKey, IdempotencyKey = l.IdempotencyKey, Status = l.Status,
        FieldsJson = l.FieldsJson, PhoneKey = l.PhoneKey, EmailKey = l.EmailKey, ReceivedAt = l.ReceivedAt, FinishedAt = l.FinishedAt,
    };

    private async Task<List<NewLead>> StoreAsync(int count, string campaign = "c")
    {
        var leads = Enumerable.Range(0, count)
            .Select(i => Lead(campaign, $"p{Guid.NewGuid():N}", $"e{Guid.NewGuid():N}", i % 3 == 0 ? $"k{Guid.NewGuid():N}" : null)).ToList();
        await using var db = await _factory.CreateDbContextAsync();
        db.Leads.AddRange(leads.Select(Row));
        await db.SaveChangesAsync();
        return leads;
    }

    private SeenKeys New(long minCapacity = SeenKeys.MinCapacity) => new(_factory, NullLogger.Instance, minCapacity);

    [Fact]
    public async Task Every_key_stored_before_the_node_started_is_a_maybe_and_new_people_mostly_are_not()
    {
        var stored = await StoreAsync(3000);
        var seen = New();
        await seen.StartFill();
        await seen.Loaded;

        var since = Now.AddDays(-30);
        Assert.All(stored, l => Assert.True(seen.MayHold(l, since)));
        // Each side of the dedupe "or", and the Idempotency-Key alone (also for a lead that is not checked for duplicates).
        Assert.All(stored, l => Assert.True(seen.MayHold(l with { EmailKey = "e-new" }, since)));
        Assert.All(stored, l => Assert.True(seen.MayHold(l with { PhoneKey = "p-new" }, since)));
        Assert.All(stored.Where(l => l.IdempotencyKey is not null),
            l => Assert.True(seen.MayHold(l with { PhoneKey = "p-new", EmailKey = "e-new" }, dedupeSince: null)));

        var strangers = Enumerable.Range(0, 10_000).Select(_ => Lead("c", $"p{Guid.NewGuid():N}", $"e{Guid.NewGuid():N}", $"k{Guid.NewGuid():N}")).ToList();
        var maybes = strangers.Count(l => seen.MayHold(l, since));
        Assert.True(maybes < 300, $"{maybes} of 10,000 new people were a maybe");
        // The same phone in another campaign is another person for dedupe.
        Assert.True(stored.Count(l => seen.MayHold(l with { CampaignKey = "other", IdempotencyKey = null }, since)) < 90);
    }

    [Fact]
    public async Task Before_the_keys_are_loaded_every_lead_is_a_maybe()
    {
        await StoreAsync(10);
        var seen = New();

        Assert.False(seen.Loaded.IsCompleted);
        Assert.True(seen.MayHold(Lead("c", "p-never", "e-never"), Now.AddDays(-30)));
        Assert.True(seen.MayHold(Lead("c", null, null, "k-never"), null));
    }

    [Fact]
    public async Task A_lead_without_keys_to_check_is_never_a_maybe_once_loaded()
    {
        var seen = New();
        await seen.StartFill();

        // Invalid leads (no dedupe window) without an Idempotency-Key: the writer never reads for them either.
        Assert.False(seen.MayHold(Lead("c", "p1", "e1"), dedupeSince: null));
    }

    [Fact]
    public async Task A_lead_the_writer_adds_after_loading_is_a_maybe_at_once()
    {
        var seen = New();
        await seen.StartFill();
        var lead = Lead("c", "p-late", "e-late", "k-late");
        Assert.False(seen.MayHold(lead, Now.AddDays(-30)));

        seen.Add(Row(lead));

        Assert.True(seen.MayHold(lead with { EmailKey = null, IdempotencyKey = null }, Now.AddDays(-30)));
        Assert.True(seen.MayHold(lead with { PhoneKey = null, IdempotencyKey = null }, Now.AddDays(-30)));
        Assert.True(seen.MayHold(lead with { PhoneKey = null, EmailKey = null }, null));
    }

    [Fact]
    public async Task A_filter_past_its_size_is_filled_again_larger_and_still_holds_every_key()
    {
        var first = await StoreAsync(10);
        var seen = New(minCapacity: 64);
        await seen.StartFill();
        Assert.Equal(64, seen.Capacity);

        // The writer adds what it commits: stored, then added.
        var more = await StoreAsync(60);
        foreach (var lead in more) seen.Add(Row(lead));
        await seen.StartFill(); // the fill the adds started, or one after it

        Assert.True(seen.Capacity >= 4 * 70, $"capacity {seen.Capacity}");
        var since = Now.AddDays(-30);
        Assert.All(first.Concat(more), l => Assert.True(seen.MayHold(l, since)));
    }

    private sealed class Node(TestDatabase database, bool failDedupeRead) : LeadHubFactory(database, ownsDatabase: false)
    {
        protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
            failDedupeRead ? [new("LeadHub:Testing:FailDedupeRead", "true")] : [];
    }

    // The node loads the keys stored in an earlier life: once loaded, a repeat of an earlier lead is still
    // found before the pings (a filter missing them would ping the buyer), and by the write, which skips
    // its own read for leads the filter says repeat nobody (with the read before the pings failing, the
    // write alone decides: a filter missing them would sell the lead again).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_repeat_of_a_lead_sold_before_a_restart_pings_nobody_and_is_stored_as_a_duplicate(bool readBeforePingsFails)
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var buyers = await LoopbackBuyers.StartAsync();
        buyers.Set("b", new BuyerBehaviour { Ping = BuyerAnswer.Bid(12), Post = BuyerAnswer.Accept() });
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("restart"), auctionTimeoutMs: 5000);
        const string key = "restart-key-0123456789";
        var lead = TestWorkspace.Lead(campaign.Key, new { phone = "(415) 555-0142", email = $"again.{Guid.NewGuid():N}@example.com" });

        await using (var before = LeadHubFactory.On(database))
        {
            await before.ImportAsync(new WorkspaceDocument
            {
                Campaigns = [campaign],
                Publishers = [TestWorkspace.Publisher("restart-pub", key, campaign.Key)],
                Buyers = [TestWorkspace.Buyer("b", TestWorkspace.PingPost("b-c", campaign.Key, buyers.PingUrl("b"), buyers.PostUrl("b"), timeoutMs: 3000))],
            });
            var sold = await ApiAssert.OkJsonAsync(await before.Publisher(key).PostAsJsonAsync("/api/v1/leads", lead));
            Assert.Equal("sold", sold.GetProperty("status").GetString());
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        await using var after = new Node(database, readBeforePingsFails);
        await after.Services.GetRequiredService<LeadWriter>().StoredKeysLoaded.WaitAsync(TimeSpan.FromSeconds(60));
        var pinged = buyers.CallsTo("b", "ping").Count;
        var again = await ApiAssert.OkJsonAsync(await after.Publisher(key).PostAsJsonAsync("/api/v1/leads", lead));

        Assert.Equal("duplicate", again.GetProperty("status").GetString());
        Assert.Equal(pinged, buyers.CallsTo("b", "ping").Count);
        Assert.Single(buyers.CallsTo("b", "post"));
    }
}
