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
            if (sold)
            {
                own.Sold++;
                own.Revenue += finish.Price ?? 0;
                own.Payout += finish.Payout;
            }
        }

        foreach (var step in finish.Trace)
        {
            // A skipped step sent nothing to the buyer (filter, cap, schedule, circuit open).
            if (step.Buyer is null || step.Outcome == TraceOutcomes.Skipped) continue;
            if (step.Kind == TraceKinds.Ping)
            {
                var row = Row(lead, step.Buyer);
                row.Pings++;
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
                // A post that timed out or errored is a rejection too (CONTRACT §2); one whose answer a
                // crash hid (`unknown`) is not: the buyer may well have taken the lead.
                if (step.Outcome is not (TraceOutcomes.Accepted or TraceOutcomes.Unknown)) row.Rejects++;
            }
        }
    }

    // An approved return (CONTRACT §5): the sale is credited back to the buyer and the
    // publisher's payout reversed. Counted in the lead's own minute and buyer, like the sale.
    public void AddReturn(LeadRow lead, decimal credit, decimal payoutReversed)
    {
        if (lead.Test) return;
        var row = Row(KpiLead.Of(lead), lead.BuyerKey);
        row.Returns++;
        row.ReturnCredits += credit;
        row.Payout -= payoutReversed;
    }

    // Upserts the summed increments. Existing rows get relative updates (SET x = x + @d), so two
    // writers (nodes sharing a PostgreSQL database) never overwrite each other's counts; rows
    // are looked up in one query. Call inside the caller's transaction, before SaveChanges.
    public async Task ApplyAsync(LeadHubDbContext db, CancellationToken ct = default)
    {
        if (_rows.Count == 0) return;
        // Every node touches the same rows (this minute, this campaign): taking them in one order
        // everywhere means two nodes' batches wait for each other instead of deadlocking.
        var rows = _rows.OrderBy(r => r.Key.Item1).ThenBy(r => r.Key.Item2, StringComparer.Ordinal).ThenBy(r => r.Key.Item3, StringComparer.Ordinal)
            .ThenBy(r => r.Key.Item4, StringComparer.Ordinal).ThenBy(r => r.Key.Item5, StringComparer.Ordinal).Select(r => r.Value).ToList();
        await EnsureRowsAsync(db, rows, ct);
        if (db.Database.IsNpgsql()) await IncrementInOneCommandAsync(db, rows, ct);
        else
        {
            // SQLite keeps decimals as text: EF Core's translation adds them exactly, raw SQL would not.
            foreach (var d in rows) await IncrementAsync(db, d, ct);
        }
        _rows.Clear();
    }

    private static Task IncrementAsync(LeadHubDbContext db, KpiBucketRow d, CancellationToken ct) =>
        db.KpiBuckets
            .Where(r => r.Minute == d.Minute && r.CampaignKey == d.CampaignKey && r.PublisherKey == d.PublisherKey
                && r.SubId == d.SubId && r.BuyerKey == d.BuyerKey)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Leads, r => r.Leads + d.Leads)
                .SetProperty(r => r.Valid, r => r.Valid + d.Valid)
                .SetProperty(r => r.Invalid, r => r.Invalid + d.Invalid)
                .SetProperty(r => r.Duplicates, r => r.Duplicates + d.Duplicates)
                .SetProperty(r => r.Sold, r => r.Sold + d.Sold)
                .SetProperty(r => r.Revenue, r => r.Revenue + d.Revenue)
                .SetProperty(r => r.Payout, r => r.Payout + d.Payout)
                .SetProperty(r => r.Pings, r => r.Pings + d.Pings)
                .SetProperty(r => r.Bids, r => r.Bids + d.Bids)
                .SetProperty(r => r.BidSum, r => r.BidSum + d.BidSum)
                .SetProperty(r => r.Posts, r => r.Posts + d.Posts)
                .SetProperty(r => r.Rejects, r => r.Rejects + d.Rejects)
                .SetProperty(r => r.Returns, r => r.Returns + d.Returns)
                .SetProperty(r => r.ReturnCredits, r => r.ReturnCredits + d.ReturnCredits), ct);

    // PostgreSQL: every touched row's increments in one command (one round trip per batch, not
    // one per row), still in the one key order.
    private static async Task IncrementInOneCommandAsync(LeadHubDbContext db, List<KpiBucketRow> rows, CancellationToken ct)
    {
        var sql = new System.Text.StringBuilder();
        var parameters = new List<object>(rows.Count * 19);
        foreach (var d in rows)
        {
            var p = parameters.Count;
            sql.Append(System.Globalization.CultureInfo.InvariantCulture, $$"""
                UPDATE "KpiBuckets" SET "Leads" = "Leads" + {{{p}}}, "Valid" = "Valid" + {{{p + 1}}}, "Invalid" = "Invalid" + {{{p + 2}}},
                "Duplicates" = "Duplicates" + {{{p + 3}}}, "Sold" = "Sold" + {{{p + 4}}}, "Revenue" = "Revenue" + {{{p + 5}}},
                "Payout" = "Payout" + {{{p + 6}}}, "Pings" = "Pings" + {{{p + 7}}}, "Bids" = "Bids" + {{{p + 8}}}, "BidSum" = "BidSum" + {{{p + 9}}},
                "Posts" = "Posts" + {{{p + 10}}}, "Rejects" = "Rejects" + {{{p + 11}}}, "Returns" = "Returns" + {{{p + 12}}},
                "ReturnCredits" = "ReturnCredits" + {{{p + 13}}}
                WHERE "Minute" = {{{p + 14}}} AND "CampaignKey" = {{{p + 15}}} AND "PublisherKey" = {{{p + 16}}} AND "SubId" = {{{p + 17}}} AND "BuyerKey" = {{{p + 18}}};

                """);
            parameters.AddRange([d.Leads, d.Valid, d.Invalid, d.Duplicates, d.Sold, d.Revenue, d.Payout, d.Pings, d.Bids, d.BidSum,
                d.Posts, d.Rejects, d.Returns, d.ReturnCredits, d.Minute, d.CampaignKey, d.PublisherKey, d.SubId, d.BuyerKey]);
        }
        await db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters, ct);
    }

    // Zero rows for the keys that have none yet, in one statement: the increments above then
    // always update. Two nodes starting the same minute's row at once both succeed (the second
    // insert does nothing), where a plain INSERT would fail one node's whole batch.
    private static async Task EnsureRowsAsync(LeadHubDbContext db, List<KpiBucketRow> rows, CancellationToken ct)
    {
        var entity = db.Model.FindEntityType(typeof(KpiBucketRow))!;
        var keys = entity.FindPrimaryKey()!.Properties;
        var counters = entity.GetProperties().Except(keys).ToList();
        // The minute as the provider stores it (a sortable long on SQLite, timestamptz on PostgreSQL).
        var minute = entity.FindProperty(nameof(KpiBucketRow.Minute))!.GetTypeMapping().Converter;
        var columns = string.Join(", ", keys.Concat(counters).Select(p => $"\"{p.GetColumnName()}\""));
        var zeros = string.Concat(counters.Select(_ => ", 0"));
        var values = new List<string>(rows.Count);
        var parameters = new List<object>(rows.Count * 5);
        foreach (var r in rows)
        {
            var at = parameters.Count;
            values.Add($"({{{at}}}, {{{at + 1}}}, {{{at + 2}}}, {{{at + 3}}}, {{{at + 4}}}{zeros})");
            parameters.AddRange([minute?.ConvertToProvider(r.Minute) ?? r.Minute, r.CampaignKey, r.PublisherKey, r.SubId, r.BuyerKey]);
        }
        var sql = $"INSERT INTO \"{entity.GetTableName()}\" ({columns}) VALUES {string.Join(", ", values)} ON CONFLICT DO NOTHING";
        await db.Database.ExecuteSqlRawAsync(sql, parameters, ct);
    }

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
