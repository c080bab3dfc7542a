using System.Collections.Concurrent;

namespace LeadHub.Core.Routing;

// The recent reject rate per contract, the last tie-break between equal offers (CONTRACT §3.5).
// Kept in memory over the last posts: it only orders ties, so a restart losing it is harmless.
public sealed class RecentRejects
{
    private const int Window = 50;
    private readonly ConcurrentDictionary<string, Ring> _rings = new();

    private sealed class Ring
    {
        public readonly bool[] Rejected = new bool[Window];
        public int Next, Filled, RejectCount;
    }

    public void Record(string contract, bool rejected)
    {
        var ring = _rings.GetOrAdd(contract, _ => new Ring());
        lock (ring)
        {
            if (ring.Filled == Window && ring.Rejected[ring.Next]) ring.RejectCount--;
            ring.Rejected[ring.Next] = rejected;
            if (rejected) ring.RejectCount++;
            ring.Next = (ring.Next + 1) % Window;
            ring.Filled = Math.Min(ring.Filled + 1, Window);
        }
    }

    // Posts remembered (up to the window) and how many of them were rejected.
    public (int Posts, int Rejected) CountsOf(string contract)
    {
        if (!_rings.TryGetValue(contract, out var ring)) return (0, 0);
        lock (ring) return (ring.Filled, ring.RejectCount);
    }

    public double RateOf(string contract)
    {
        if (!_rings.TryGetValue(contract, out var ring)) return 0;
        lock (ring) return ring.Filled == 0 ? 0 : (double)ring.RejectCount / ring.Filled;
    }
}
