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
    // What a ping step keeps in TracePingsRow.StepsJson: the row without LeadId and Kind.
    private sealed record PackedStep(
        int Seq, string? Buyer, string? Contract, int? Tier, string Outcome, decimal? Bid, decimal? Price, string? Reason, int? LatencyMs,
        DateTimeOffset At);

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static bool IsPacked(TraceStepRow step) => step.Kind == TraceKinds.Ping;

    // One auction's ping steps (IsPacked, same lead) as one row.
    public static TracePingsRow Pack(IReadOnlyList<TraceStepRow> pings) => new()
    {
        LeadId = pings[0].LeadId,
        Seq = pings[0].Seq,
        StepsJson = JsonSerializer.Serialize(
            pings.Select(s => new PackedStep(s.Seq, s.Buyer, s.Contract, s.Tier, s.Outcome, s.Bid, s.Price, s.Reason, s.LatencyMs, s.At)), Json),
    };

    public static IEnumerable<TraceStepRow> Unpack(TracePingsRow row) =>
        (JsonSerializer.Deserialize<List<PackedStep>>(row.StepsJson, Json) ?? []).Select(s => new TraceStepRow
        {
            LeadId = row.LeadId, Seq = s.Seq, Kind = TraceKinds.Ping, Buyer = s.Buyer, Contract = s.Contract, Tier = s.Tier,
            Outcome = s.Outcome, Bid = s.Bid, Price = s.Price, Reason = s.Reason, LatencyMs = s.LatencyMs, At = s.At,
        });

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
