using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LeadHub.Core.Leads;

// Which dedupe keys (a campaign's phone or email, a publisher's Idempotency-Key) this database may
// hold, in memory: a lead none of whose keys is in it repeats nobody, and both the read before its
// pings and the writer's read in its batch are skipped. The read before the pings cost the node more
// than any other single step of the closed loop (a reader's page cache starts empty after every
// commit of the writer); skipping both measured leads/s 1.097 +- 0.046, CPU a lead 0.896 +- 0.037
// (`--ab`, results/2026-12-06-seen-keys/).
// A Bloom filter: it may answer "maybe" for a key never stored (then the read runs, as before), never
// "no" for one stored, provided every lead stored reaches it. That holds on SQLite, where one node is
// the only writer of its database: the filter is filled from the database once at start, in the
// background, and the lead writer adds every lead it commits from the moment it starts, so a lead
// is either in the scan or added after it. On PostgreSQL other nodes store leads this node never sees:
// the filter is not used there.
// Keys are never taken out (a purged or erased lead's key stays a "maybe"); when more keys were added
// than the filter was sized for, a larger one is filled the same way, the old one answering meanwhile.
public sealed class SeenKeys(IDbContextFactory<LeadHubDbContext> dbFactory, ILogger log, long minCapacity = SeenKeys.MinCapacity)
{
    // Bits a key and hashes a key: a "maybe" for ~0.8 % of keys never stored.
    private const int BitsPerKey = 10, Hashes = 7;

    // Keys the smallest filter holds (1.25 MiB); a larger database gets room for twice its keys.
    public const long MinCapacity = 1 << 20;

    private volatile Filter? _ready, _filling;
    private Task? _fill;
    private readonly object _fillLock = new();
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Done when the first fill has finished; until then every lead is read.
    public Task Loaded => _loaded.Task;

    // How many keys the filter answering now was sized for (0 before the first fill).
    public long Capacity => _ready?.Capacity ?? 0;

    // Whether one of the keys the dedupe read would look up may be stored. Asked before the pings and
    // again by the write: a lead with the same key may have been stored in between.
    public bool MayHold(NewLead lead, DateTimeOffset? dedupeSince)
    {
        if (_ready is not { } filter) return true;
        if (lead.IdempotencyKey is not null && filter.MayHold(Kind.IdempotencyKey, lead.PublisherKey, lead.IdempotencyKey)) return true;
        if (dedupeSince is null) return false;
        return (lead.PhoneKey is not null && filter.MayHold(Kind.Phone, lead.CampaignKey, lead.PhoneKey))
               || (lead.EmailKey is not null && filter.MayHold(Kind.Email, lead.CampaignKey, lead.EmailKey));
    }

    // Called by the lead writer after each commit, for every lead it stored (whatever its status).
    public void Add(LeadRow lead)
    {
        var ready = _ready;
        var filling = _filling;
        Add(ready, lead);
        if (!ReferenceEquals(filling, ready)) Add(filling, lead);
        if (ready is not null && ready.Full) StartFill();
    }

    private static void Add(Filter? filter, LeadRow lead)
    {
        if (filter is null) return;
        if (lead.IdempotencyKey is not null) filter.Add(Kind.IdempotencyKey, lead.PublisherKey, lead.IdempotencyKey);
        if (lead.PhoneKey is not null) filter.Add(Kind.Phone, lead.CampaignKey, lead.PhoneKey);
        if (lead.EmailKey is not null) filter.Add(Kind.Email, lead.CampaignKey, lead.EmailKey);
    }

    // Fills a new filter from the database in the background, one fill at a time: the one running,
    // or a new one.
    public Task StartFill()
    {
        lock (_fillLock)
        {
            if (_fill is { IsCompleted: false } running) return running;
            return _fill = Task.Run(async () =>
            {
                try
                {
                    await FillAsync();
                }
                catch (Exception e)
                {
                    // Without a filter every lead is read, as before: slower, never wrong.
                    log.LogWarning(e, "Loading the dedupe keys failed; the read before the pings runs for every lead");
                }
            });
        }
    }

    private async Task FillAsync()
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await using var db = await dbFactory.CreateDbContextAsync();
        var stored = await db.Leads.LongCountAsync();
        // Room for twice what is stored now, a phone and an email a lead.
        var filter = new Filter(Math.Max(minCapacity, 4 * stored));
        // Set before the scans' snapshot is taken: a lead committed after it is added by the writer,
        // one committed before it is in the scans.
        _filling = filter;
        await using var tx = await db.Database.BeginTransactionAsync();
        // Each from its own index (the key columns only), not the rows with their fields.
        var leads = db.Leads.AsNoTracking();
        await foreach (var k in leads.Where(l => l.PhoneKey != null).Select(l => new { l.CampaignKey, l.PhoneKey }).AsAsyncEnumerable())
            filter.Add(Kind.Phone, k.CampaignKey, k.PhoneKey!);
        await foreach (var k in leads.Where(l => l.EmailKey != null).Select(l => new { l.CampaignKey, l.EmailKey }).AsAsyncEnumerable())
            filter.Add(Kind.Email, k.CampaignKey, k.EmailKey!);
        await foreach (var k in leads.Where(l => l.IdempotencyKey != null).Select(l => new { l.PublisherKey, l.IdempotencyKey }).AsAsyncEnumerable())
            filter.Add(Kind.IdempotencyKey, k.PublisherKey, k.IdempotencyKey!);
        _ready = filter;
        _loaded.TrySetResult();
        log.LogInformation("Dedupe keys of {Leads} stored leads loaded in {Ms} ms; the read before the pings now runs only for keys it may find",
            stored, (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private enum Kind { Phone, Email, IdempotencyKey }

    private sealed class Filter(long capacity)
    {
        private readonly long[] _bits = new long[(capacity * BitsPerKey + 63) / 64];
        private long _added;

        public long Capacity => capacity;

        public bool Full => Volatile.Read(ref _added) > capacity;

        public void Add(Kind kind, string scope, string key)
        {
            var (h1, h2) = Hash(kind, scope, key);
            var m = (ulong)_bits.LongLength * 64;
            for (var i = 0; i < Hashes; i++)
            {
                var bit = (h1 + (ulong)i * h2) % m;
                Interlocked.Or(ref _bits[bit >> 6], 1L << (int)(bit & 63));
            }
            Interlocked.Increment(ref _added);
        }

        public bool MayHold(Kind kind, string scope, string key)
        {
            var (h1, h2) = Hash(kind, scope, key);
            var m = (ulong)_bits.LongLength * 64;
            for (var i = 0; i < Hashes; i++)
            {
                var bit = (h1 + (ulong)i * h2) % m;
                if ((Volatile.Read(ref _bits[bit >> 6]) & (1L << (int)(bit & 63))) == 0) return false;
            }
            return true;
        }

        // Two independent 32-bit hashes (HashCode is seeded per process; the filter never leaves it),
        // combined as Kirsch and Mitzenmacher's double hashing.
        private static (ulong, ulong) Hash(Kind kind, string scope, string key)
        {
            var a = (uint)HashCode.Combine(kind, scope, key);
            var b = (uint)HashCode.Combine(key, scope, kind, 0x9E3779B9);
            return (((ulong)a << 32) | b, (((ulong)b << 32) | a) | 1);
        }
    }
}
