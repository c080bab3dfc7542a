using System.Collections.Frozen;

namespace LeadHub.Core.Suppression;

// One list as the hot path holds it: the first 8 bytes of each entry's hash, sorted, searched by
// halving. 8 bytes per entry: a million entries cost 8 MB (a HashSet<ulong> would cost ~3 times
// that). Two different values share a 64-bit prefix with odds of n / 2^64 per lookup (5e-14 for a
// million entries): a lead wrongly suppressed that rarely is accepted; a suppressed one is never missed.
public sealed record LoadedList(string Key, string Name, string Scope, string? Target, long Version, ulong[] Hashes)
{
    public bool Contains(ulong hash) => Array.BinarySearch(Hashes, hash) >= 0;
}

// What the lists say about one lead: stopped altogether by a global or campaign list, and the
// buyers whose own lists name it (buyer key → list name, for the trace).
public sealed record SuppressionCheck(LoadedList? Blocking, IReadOnlyDictionary<string, string>? Buyers)
{
    public static readonly SuppressionCheck None = new(null, null);
}

// An immutable view of every list, swapped whole when a list changes (like RoutingSnapshot).
public sealed class SuppressionIndex
{
    public static readonly SuppressionIndex Empty = new([], 0);

    public long Version { get; }
    public FrozenDictionary<string, LoadedList> Lists { get; }
    private readonly LoadedList[] _global;
    private readonly FrozenDictionary<string, LoadedList[]> _byCampaign;
    private readonly LoadedList[] _byBuyer;

    public SuppressionIndex(IReadOnlyList<LoadedList> lists, long version)
    {
        Version = version;
        Lists = lists.ToFrozenDictionary(l => l.Key);
        var used = lists.Where(l => l.Hashes.Length > 0).ToList();
        _global = used.Where(l => l.Scope == SuppressionScopes.Global).ToArray();
        _byCampaign = used.Where(l => l.Scope == SuppressionScopes.Campaign && l.Target is not null)
            .GroupBy(l => l.Target!).ToFrozenDictionary(g => g.Key, g => g.ToArray());
        _byBuyer = used.Where(l => l.Scope == SuppressionScopes.Buyer && l.Target is not null).ToArray();
    }

    public bool IsEmpty => _global.Length == 0 && _byCampaign.Count == 0 && _byBuyer.Length == 0;

    public SuppressionCheck Check(string campaign, ReadOnlySpan<ulong> hashes)
    {
        if (hashes.IsEmpty) return SuppressionCheck.None;
        var blocking = FirstHit(_global, hashes)
                       ?? (_byCampaign.TryGetValue(campaign, out var lists) ? FirstHit(lists, hashes) : null);
        if (blocking is not null) return new SuppressionCheck(blocking, null);
        Dictionary<string, string>? buyers = null;
        foreach (var list in _byBuyer)
        {
            if (Hit(list, hashes)) (buyers ??= new(StringComparer.Ordinal)).TryAdd(list.Target!, list.Name);
        }
        return buyers is null ? SuppressionCheck.None : new SuppressionCheck(null, buyers);
    }

    // Every list naming one of these hashes (the portal's "is this number suppressed?").
    public IReadOnlyList<LoadedList> Containing(ReadOnlySpan<ulong> hashes)
    {
        var found = new List<LoadedList>();
        foreach (var list in Lists.Values)
            if (Hit(list, hashes)) found.Add(list);
        return found.OrderBy(l => l.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    private static LoadedList? FirstHit(LoadedList[] lists, ReadOnlySpan<ulong> hashes)
    {
        foreach (var list in lists)
            if (Hit(list, hashes)) return list;
        return null;
    }

    private static bool Hit(LoadedList list, ReadOnlySpan<ulong> hashes)
    {
        foreach (var h in hashes)
            if (list.Contains(h)) return true;
        return false;
    }
}
