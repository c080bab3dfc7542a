using System.Text.Json.Nodes;
using LeadHub.Core.Cluster;
using LeadHub.Core.Storage;
using LeadHub.Core.Validation;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Suppression;

// The suppression lists in memory, checked for every lead before any ping with no database read.
// A change on any node bumps row 2 of ConfigVersions (and the list's own version); every node
// polls that row (SuppressionWatcher) and reloads only the lists whose version moved.
public sealed class SuppressionLists(IDbContextFactory<LeadHubDbContext> dbFactory, SuppressionHasher hasher, ILogger<SuppressionLists> log)
{
    public const int VersionRow = 2;

    private volatile SuppressionIndex _current = SuppressionIndex.Empty;
    private readonly SemaphoreSlim _reload = new(1, 1);

    public SuppressionIndex Current => _current;

    // Raised after every swap (tests and the portal learn of a change without polling).
    public event Action<SuppressionIndex>? Swapped;

    public async Task ReloadAsync(CancellationToken ct = default)
    {
        await hasher.EnsureKeyAsync(ct);
        await _reload.WaitAsync(ct);
        try
        {
            var before = _current;
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            // The version first: a change committed while the lists are read moves it again, and the next check reloads.
            var version = await db.ConfigVersions.AsNoTracking().Where(v => v.Id == VersionRow).Select(v => v.Version).FirstOrDefaultAsync(ct);
            var rows = await db.SuppressionLists.AsNoTracking().ToListAsync(ct);
            var lists = new List<LoadedList>(rows.Count);
            foreach (var row in rows)
            {
                if (before.Lists.TryGetValue(row.Key, out var had) && had.Version == row.Version)
                {
                    lists.Add(had with { Name = row.Name, Scope = row.Scope, Target = row.Target });
                    continue;
                }
                var hashes = new List<ulong>(row.EntryCount);
                await foreach (var hash in db.SuppressionEntries.AsNoTracking().Where(e => e.ListKey == row.Key).Select(e => e.Hash).AsAsyncEnumerable().WithCancellation(ct))
                    hashes.Add(SuppressionHasher.Short(hash));
                var sorted = hashes.ToArray();
                Array.Sort(sorted);
                lists.Add(new LoadedList(row.Key, row.Name, row.Scope, row.Target, row.Version, sorted));
            }
            var next = new SuppressionIndex(lists, version);
            _current = next;
            log.LogInformation("Suppression lists loaded: {Lists} lists, {Entries} entries (version {Version})",
                lists.Count, lists.Sum(l => (long)l.Hashes.Length), version);
            Swapped?.Invoke(next);
        }
        finally
        {
            _reload.Release();
        }
    }

    // The hot path: the lead's dedupe keys (first phone field, first email field: already
    // normalised by validation) against the lists that apply to this campaign and its buyers.
    public SuppressionCheck Check(CampaignSnapshot campaign, JsonObject fields)
    {
        var index = _current;
        if (index.IsEmpty || !hasher.IsReady) return SuppressionCheck.None;
        string? phone = null, email = null;
        foreach (var f in campaign.Config.Fields)
        {
            if (f.Type == FieldTypes.Phone && phone is null && fields[f.Name] is JsonValue p) phone = p.ToString();
            else if (f.Type == FieldTypes.Email && email is null && fields[f.Name] is JsonValue e) email = e.ToString();
        }
        Span<ulong> hashes = stackalloc ulong[2];
        var n = 0;
        if (phone is not null) hashes[n++] = hasher.ShortHash(phone);
        if (email is not null) hashes[n++] = hasher.ShortHash(email);
        return index.Check(campaign.Key, hashes[..n]);
    }

    // Which lists name this phone and/or email (typed in any format); null values are skipped.
    public IReadOnlyList<LoadedList> Lookup(string? phone, string? email)
    {
        var hashes = new List<ulong>();
        if (phone is not null && LeadValidator.NormalizePhone(phone) is { } p) hashes.Add(hasher.ShortHash(p));
        if (email is not null && LeadValidator.NormalizeEmail(email) is { } e) hashes.Add(hasher.ShortHash(e));
        return hashes.Count == 0 ? [] : _current.Containing(hashes.ToArray());
    }
}

// Polls the suppression version row a few times a second, as ConfigWatcher does for the workspace.
public sealed class SuppressionWatcher(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    SuppressionLists lists,
    TimeProvider time,
    IOptions<LeadHubOptions> options,
    ILogger<SuppressionWatcher> log) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Periodic.RunAsync(TimeSpan.FromMilliseconds(options.Value.Cluster.ConfigPollMilliseconds), time, CheckAsync, log,
            "Suppression version check", stoppingToken);

    public async Task<bool> CheckAsync(CancellationToken ct = default)
    {
        long version;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            version = await db.ConfigVersions.AsNoTracking().Where(v => v.Id == SuppressionLists.VersionRow).Select(v => v.Version).FirstOrDefaultAsync(ct);
        if (version == lists.Current.Version) return false;
        log.LogInformation("Suppression version {Version} saved elsewhere; reloading the lists", version);
        await lists.ReloadAsync(ct);
        return true;
    }
}
