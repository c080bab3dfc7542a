using System.Globalization;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Routing;

// Slots taken for one post: released if the buyer rejects, committed if it accepts.
public sealed record CapReservation(IReadOnlyList<CapLimit> Limits, decimal Amount);

public readonly record struct CapIncrement(string Key, int Count, decimal Amount);

public interface ICapLedger
{
    // The cap that is already reached for this contract or its buyer, or null when there is room.
    string? Reached(ContractSnapshot contract, DateTimeOffset now);

    // Atomically takes a slot in every cap of the contract and its buyer, or none when one is full.
    ValueTask<CapReservation?> TryReserveAsync(ContractSnapshot contract, decimal price, DateTimeOffset now);

    // The sale went through: the slots stay taken. Returns what the finish write must persist.
    IReadOnlyList<CapIncrement> Commit(CapReservation reservation);

    ValueTask ReleaseAsync(CapReservation reservation);

    // Counters already persisted (start-up), so a restart does not forget today's sales.
    void Seed(IEnumerable<CapIncrement> persisted);

    // The current counts of these counter keys (the portal's "cap 1,200 of 2,000"); a key never
    // counted is absent. Read-only: never on the routing path.
    ValueTask<IReadOnlyDictionary<string, CapIncrement>> ReadAsync(IReadOnlyCollection<string> keys, CancellationToken ct = default);
}

// One node: an in-memory ledger is the arbiter, and every committed slot is written in the
// lead's finish transaction. One lock keeps check-and-take atomic; it is held for microseconds.
public sealed class InMemoryCapLedger : ICapLedger
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Counter> _counters = [];

    private sealed class Counter
    {
        public int Count;
        public decimal Amount;
    }

    public string? Reached(ContractSnapshot contract, DateTimeOffset now)
    {
        var limits = CapPeriods.ForContract(contract, now);
        if (limits.Count == 0) return null;
        lock (_lock)
        {
            foreach (var limit in limits)
            {
                if (IsFull(limit, 0)) return limit.Describe();
            }
        }
        return null;
    }

    public ValueTask<CapReservation?> TryReserveAsync(ContractSnapshot contract, decimal price, DateTimeOffset now) =>
        ValueTask.FromResult(TryReserve(contract, price, now));

    private CapReservation? TryReserve(ContractSnapshot contract, decimal price, DateTimeOffset now)
    {
        var limits = CapPeriods.ForContract(contract, now);
        if (limits.Count == 0) return new CapReservation(limits, price);
        lock (_lock)
        {
            foreach (var limit in limits)
            {
                if (IsFull(limit, price)) return null;
            }
            foreach (var limit in limits)
            {
                var c = CounterFor(limit.Key);
                c.Count++;
                c.Amount += price;
            }
        }
        return new CapReservation(limits, price);
    }

    public IReadOnlyList<CapIncrement> Commit(CapReservation reservation) =>
        reservation.Limits.Select(l => new CapIncrement(l.Key, 1, reservation.Amount)).ToList();

    public ValueTask ReleaseAsync(CapReservation reservation)
    {
        lock (_lock)
        {
            foreach (var limit in reservation.Limits)
            {
                var c = CounterFor(limit.Key);
                c.Count--;
                c.Amount -= reservation.Amount;
            }
        }
        return ValueTask.CompletedTask;
    }

    public void Seed(IEnumerable<CapIncrement> persisted)
    {
        lock (_lock)
        {
            foreach (var p in persisted)
            {
                var c = CounterFor(p.Key);
                c.Count += p.Count;
                c.Amount += p.Amount;
            }
        }
    }

    public ValueTask<IReadOnlyDictionary<string, CapIncrement>> ReadAsync(IReadOnlyCollection<string> keys, CancellationToken ct = default)
    {
        var found = new Dictionary<string, CapIncrement>();
        lock (_lock)
        {
            foreach (var key in keys)
            {
                if (_counters.TryGetValue(key, out var c)) found[key] = new CapIncrement(key, c.Count, c.Amount);
            }
        }
        return ValueTask.FromResult<IReadOnlyDictionary<string, CapIncrement>>(found);
    }

    private bool IsFull(CapLimit limit, decimal extra)
    {
        _counters.TryGetValue(limit.Key, out var c);
        return limit.IsFull(c?.Count ?? 0, c?.Amount ?? 0, extra);
    }

    private Counter CounterFor(string key)
    {
        if (!_counters.TryGetValue(key, out var c))
        {
            c = new Counter();
            _counters[key] = c;
        }
        return c;
    }

}
