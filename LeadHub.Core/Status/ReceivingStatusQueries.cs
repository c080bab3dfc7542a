using LeadHub.Core.Delivery;
using LeadHub.Core.Routing;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Status;

// Counts for "why did revenue change": how many contracts are not receiving right now, and why.
public sealed record StatusCounts(int Contracts, int Receiving, int Paused, int CappedOut, int OutsideSchedule, int CircuitOpen);

public sealed record StatusBoard(
    IReadOnlyDictionary<string, ReceivingStatus> Contracts,
    IReadOnlyDictionary<string, ReceivingStatus> Buyers,
    StatusCounts Counts);

// The read-model of every buyer's and contract's status: the routing snapshot, the cap counters
// the engine keeps (ICapLedger) and buyer health's circuits, read at one moment.
public sealed class ReceivingStatusQueries(RoutingSnapshotHolder snapshots, BuyerHealth health, ICapLedger caps, TimeProvider time)
{
    // Times in the texts (paused at, circuit open until) are in `reader`'s zone (UTC when none).
    public async Task<StatusBoard> ReadAsync(CancellationToken ct = default, TimeZoneInfo? reader = null)
    {
        var snapshot = snapshots.Current;
        var now = time.GetUtcNow();
        var keys = snapshot.Contracts.Values.SelectMany(c => CapPeriods.ForContract(c, now)).Select(l => l.Key)
            .Concat(snapshot.Buyers.Values.SelectMany(b => CapPeriods.ForBuyer(b, now)).Select(l => l.Key))
            .ToHashSet(StringComparer.Ordinal);
        var counters = await caps.ReadAsync(keys, ct);
        var circuits = health.Report(snapshot).ToDictionary(h => h.Contract);

        var contracts = snapshot.Contracts.Values.ToDictionary(c => c.Key, c => ReceivingStatuses.ForContract(c,
            snapshot.Campaigns.GetValueOrDefault(c.Config.Campaign), circuits.GetValueOrDefault(c.Key), counters, now, reader));
        var buyers = snapshot.Buyers.Values.ToDictionary(b => b.Key, b => ReceivingStatuses.ForBuyer(b,
            b.Config.Contracts.Select(c => contracts.GetValueOrDefault(c.Key)).OfType<ReceivingStatus>().ToList(), counters, now, reader));
        var all = contracts.Values.ToList();
        var counts = new StatusCounts(all.Count, all.Count(s => s.IsReceiving), all.Count(s => s.IsPaused || s.State == ReceivingState.CampaignPaused),
            all.Count(s => s.State == ReceivingState.CapReached), all.Count(s => s.State == ReceivingState.OutsideSchedule),
            all.Count(s => s.State == ReceivingState.CircuitOpen));
        return new StatusBoard(contracts, buyers, counts);
    }
}
