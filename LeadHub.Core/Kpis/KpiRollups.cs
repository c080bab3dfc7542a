using LeadHub.Core.Leads;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Kpis;

// What the rollups need to know about a lead besides its final state.
public sealed record KpiLead(string Campaign, string Publisher, string? SubId, bool Test, DateTimeOffset ReceivedAt)
{
    public static KpiLead Of(LeadRow lead) => new(lead.CampaignKey, lead.PublisherKey, lead.SubId, lead.Test, lead.ReceivedAt);
}

// The KPI increments of one write transaction. Callers add leads as they write them, then
// ApplyAsync in the same transaction before SaveChanges: the batch's increments are summed per
// key first, so a batch of 256 leads costs one upsert per touched (minute, slice), not per lead.
// One instance per transaction; test leads are never counted (CONTRACT §6).
public sealed class KpiRollups
{
    private readonly Dictionary<(DateTimeOffset, string, string, string, string), KpiBucketRow> _rows = [];

    public bool IsEmpty => _rows.Count == 0;

    public static DateTimeOffset MinuteOf(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        return new DateTimeOffset(ticks - ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
    }

    // Invalid and duplicate leads are never routed, so they count when stored; a valid lead
    // counts when it is finished, with its outcome.
    public void AddReceived(LeadRow lead)
    {
        if (lead.Test || lead.Status is not (LeadStatus.Invalid or LeadStatus.Duplicate)) return;
        var row = Row(KpiLead.Of(lead), null);
        row.Leads++;
        if (lead.Status == LeadStatus.Invalid) row.Invalid++;
        else row.Duplicates++;
    }

    // A routed lead's final state: the lead itself counts under the buyer that bought it ('' when
    // unsold); its pings and posts count under the buyer that was pinged or posted to.
    public void AddFinished(KpiLead lead, LeadFinish finish)
    {
        if (lead.Test) return;
        var sold = finish.Status == LeadStatus.Sold;
        // A lead parked as `unknown` (a crash hid a post's outcome) counts its pings and posts now
        // and the lead itself once, when a manager settles it (confirmed sale or routed again).
        if (finish.Status != LeadStatus.Unknown)
        {
            var own = Row(lead, sold ? finish.BuyerKey : null);
            own.Leads++;
            own.Valid++;
            if (sold && finish.Sales is { Count: > 1 } sales)
            {
                // Shared: the lead once, under its first sale's buyer; each sale's money under its own buyer.
                own.Sold++;
                for (var i = 0; i < sales.Count; i++)
                {
                    var row = Row(lead, sales[i].BuyerKey);
                    if (i > 0) row.SharedSales++;
                    row.GrossRevenue += sales[i].Price;
                    row.Payout += sales[i].Payout;
                }
            }
            else if (sold)
            {
                own.Sold++;
                own.GrossRevenue += finish.Price ?? 0;
                own.Payout += finish.Payout;
            }
        }

        // Contracts pinged for this lead, and buyers already counted as offered it.
        var pinged = new HashSet<string>(StringComparer.Ordinal);
        var offered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in finish.Trace)
        {
            // A skipped step sent nothing to the buyer (filter, cap, schedule, circuit open).
            if (step.Buyer is null || step.Outcome == TraceOutcomes.Skipped) continue;
            if (step.Kind is TraceKinds.Ping or TraceKinds.Post && offered.Add(step.Buyer)) Row(lead, step.Buyer).Offered++;
            if (step.Kind == TraceKinds.Ping)
            {
                var row = Row(lead, step.Buyer);
                row.Pings++;
                if (step.Contract is not null) pinged.Add(step.Contract);
                if (step is { Outcome: TraceOutcomes.Bid, Bid: > 0 })
                {
                    row.Bids++;
                    row.BidSum += step.Bid.Value;
                }
            }
            else if (step.Kind == TraceKinds.Post)
            {
                var row = Row(lead, step.Buyer);
                row.Posts++;
                // A post after a ping counts against pings; a direct post does not (CONTRACT §6).
                if (step.Contract is not null && pinged.Contains(step.Contract)) row.PingedPosts++;
                if (TraceOutcomes.Rejections.Contains(step.Outcome)) row.Rejects++;
            }
        }
    }

    // An approved return (CONTRACT §5): the sale is credited back to the buyer and the
    // publisher's payout reversed. Counted in the lead's own minute and buyer, like the sale.
    // `buyer`: the buyer whose sale is returned (one of a shared lead's buyers).
    public void AddReturn(LeadRow lead, decimal credit, decimal payoutReversed, string? buyer = null)
    {
        if (lead.Test) return;
        var row = Row(KpiLead.Of(lead), buyer ?? lead.BuyerKey);
        row.Returns++;
        row.ReturnCredits += credit;
        row.Payout -= payoutReversed;
    }

    // Upserts the summed increments: a new row, or relative updates of the row there (x = x + d),
    // so two writers (nodes sharing a PostgreSQL database) never overwrite each other's counts.
    // Call inside the caller's transaction.
    public Task ApplyAsync(LeadHubDbContext db, CancellationToken ct = default) => ApplyAsync(new BulkRows(db), ct);

    // Into a deferred BulkRows, the rollups join the rest of its batch (the lead writer's one round trip).
    public async Task ApplyAsync(BulkRows bulk, CancellationToken ct = default)
    {
        if (_rows.Count == 0) return;
        // Every node touches the same rows (this minute, this campaign): taking them in one order
        // everywhere means two nodes' batches wait for each other instead of deadlocking.
        var rows = _rows.OrderBy(r => r.Key.Item1).ThenBy(r => r.Key.Item2, StringComparer.Ordinal).ThenBy(r => r.Key.Item3, StringComparer.Ordinal)
            .ThenBy(r => r.Key.Item4, StringComparer.Ordinal).ThenBy(r => r.Key.Item5, StringComparer.Ordinal).Select(r => r.Value).ToList();
        await bulk.UpsertAddAsync(rows, Counters, ct);
        _rows.Clear();
    }

    private static readonly string[] Counters = KpiCounters.All.Select(p => p.Name).ToArray();

    private KpiBucketRow Row(KpiLead lead, string? buyer)
    {
        var key = (MinuteOf(lead.ReceivedAt), lead.Campaign, lead.Publisher, lead.SubId ?? "", buyer ?? "");
        if (!_rows.TryGetValue(key, out var row))
        {
            row = new KpiBucketRow
            {
                Minute = key.Item1, CampaignKey = key.Item2, PublisherKey = key.Item3, SubId = key.Item4, BuyerKey = key.Item5,
            };
            _rows.Add(key, row);
        }
        return row;
    }
}
