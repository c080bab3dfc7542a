using System.Text.Json;
using System.Text.Json.Serialization;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Leads;

// A lead's stored trace: its TraceSteps rows (posts, notes; every step of a lead written before
// TracePings existed) and its auctions' ping steps (TracePingsRow), merged by Seq. Everything that
// reads a whole trace reads it here; what counts posts queries TraceSteps directly.
public static class LeadTraces
{
    // What a ping step keeps in TracePingsRow.StepsJson: the row without LeadId and Kind. The row is
    // the largest thing a lead stores (ten pings), and ten full timestamps and sequence numbers were
    // a third of it: Seq is written only where it does not follow the step before (the row's own
    // Seq for the first), At only for the first step, the others' as `Dt`, ticks after it. Rows
    // written before this (Seq and At on every step) read the same.
    private sealed record PackedStep(
        int? Seq, string? Buyer, string? Contract, int? Tier, string Outcome, decimal? Bid, decimal? Price, string? Reason, int? LatencyMs,
        DateTimeOffset? At, long? Dt = null);

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static bool IsPacked(TraceStepRow step) => step.Kind == TraceKinds.Ping;

    // One lead's ping steps (IsPacked, in Seq order) as one row.
    public static TracePingsRow Pack(IReadOnlyList<TraceStepRow> pings)
    {
        var first = pings[0];
        var packed = new PackedStep[pings.Count];
        for (var i = 0; i < pings.Count; i++)
        {
            var s = pings[i];
            var follows = i == 0 || s.Seq == pings[i - 1].Seq + 1;
            packed[i] = new PackedStep(follows ? null : s.Seq, s.Buyer, s.Contract, s.Tier, s.Outcome, s.Bid, s.Price, s.Reason, s.LatencyMs,
                i == 0 ? s.At : null, i == 0 ? null : (s.At - first.At).Ticks);
        }
        return new TracePingsRow { LeadId = first.LeadId, Seq = first.Seq, StepsJson = JsonSerializer.Serialize(packed, Json) };
    }

    public static IEnumerable<TraceStepRow> Unpack(TracePingsRow row)
    {
        var seq = row.Seq - 1;
        DateTimeOffset? firstAt = null;
        foreach (var s in JsonSerializer.Deserialize<List<PackedStep>>(row.StepsJson, Json) ?? [])
        {
            seq = s.Seq ?? seq + 1;
            var at = s.At ?? firstAt!.Value.AddTicks(s.Dt ?? 0);
            firstAt ??= at;
            yield return new TraceStepRow
            {
                LeadId = row.LeadId, Seq = seq, Kind = TraceKinds.Ping, Buyer = s.Buyer, Contract = s.Contract, Tier = s.Tier,
                Outcome = s.Outcome, Bid = s.Bid, Price = s.Price, Reason = s.Reason, LatencyMs = s.LatencyMs, At = at,
            };
        }
    }

    // Rows and packed pings of the same leads, each lead's steps in Seq order.
    public static Dictionary<Guid, List<TraceStepRow>> Merge(IEnumerable<TraceStepRow> rows, IEnumerable<TracePingsRow> pings) =>
        rows.Concat(pings.SelectMany(Unpack)).GroupBy(s => s.LeadId)
            .ToDictionary(g => g.Key, g => g.OrderBy(s => s.Seq).ToList());

    public static async Task<List<TraceStepRow>> OfAsync(LeadHubDbContext db, Guid leadId, CancellationToken ct = default) =>
        (await OfAsync(db, [leadId], ct)).GetValueOrDefault(leadId) ?? [];

    public static async Task<Dictionary<Guid, List<TraceStepRow>>> OfAsync(LeadHubDbContext db, IReadOnlyCollection<Guid> leadIds, CancellationToken ct = default)
    {
        if (leadIds.Count == 0) return [];
        var rows = await db.TraceSteps.AsNoTracking().Where(s => leadIds.Contains(s.LeadId)).ToListAsync(ct);
        var pings = await db.TracePings.AsNoTracking().Where(p => leadIds.Contains(p.LeadId)).ToListAsync(ct);
        return Merge(rows, pings);
    }

    // The last Seq a lead's trace uses, or -1: a later write of its trace continues after it.
    public static async Task<int> LastSeqAsync(LeadHubDbContext db, Guid leadId)
    {
        var row = await db.TraceSteps.Where(s => s.LeadId == leadId).MaxAsync(s => (int?)s.Seq) ?? -1;
        var pings = await db.TracePings.AsNoTracking().Where(p => p.LeadId == leadId).ToListAsync();
        return pings.SelectMany(Unpack).Select(s => s.Seq).Append(row).Max();
    }
}
