using System.Text.Json.Nodes;
using LeadHub.Core.Leads;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Lab;

// Reads what a replay replays: a campaign's recorded, non-test leads of a range that were routed
// (sold, unsold, returned), in the order they came, a page at a time with their trace steps, as lean
// no-tracking projections (SQLite and PostgreSQL alike). Leads that were invalid, duplicates, never
// finished routing (received, routing) or wait for a manager (unknown) are excluded: they were never
// offered to buyers, or how their auction ended is not known.
public sealed class ReplayReader(LeadHubDbContext db, string campaign, DateTimeOffset from, DateTimeOffset to)
{
    public const int PageSize = 2000;
    private static readonly string[] Routed = [LeadStatus.Sold, LeadStatus.Unsold, LeadStatus.Returned];
    private static readonly string[] Answered = [TraceOutcomes.Accepted, TraceOutcomes.Rejected, TraceOutcomes.Timeout, TraceOutcomes.Error];

    private IQueryable<LeadRow> Leads => db.Leads.AsNoTracking()
        .Where(l => l.CampaignKey == campaign && !l.Test && l.ReceivedAt >= from && l.ReceivedAt < to && Routed.Contains(l.Status));

    public Task<int> CountAsync(CancellationToken ct) => Leads.CountAsync(ct);

    // Each contract's share of answered posts that were accepted in the range: what an unknown post
    // to it is accepted with in the plan's expected figure.
    public async Task<Dictionary<string, double>> AcceptRatesAsync(CancellationToken ct)
    {
        var rows = await (from s in db.TraceSteps.AsNoTracking()
                          join l in Leads on s.LeadId equals l.Id
                          where s.Kind == TraceKinds.Post && s.Contract != null && Answered.Contains(s.Outcome)
                          group s by s.Contract into g
                          select new { Contract = g.Key!, Posts = g.Count(), Accepted = g.Count(x => x.Outcome == TraceOutcomes.Accepted) })
            .ToListAsync(ct);
        return rows.Where(r => r.Posts > 0).ToDictionary(r => r.Contract, r => (double)r.Accepted / r.Posts);
    }

    // The pages in order. Leads are ordered by (ReceivedAt, Id); the next page starts at the last
    // page's last time, skipping the leads of that instant already read.
    public async IAsyncEnumerable<IReadOnlyList<RecordedLead>> PagesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var cursor = from;
        var seenAtCursor = new HashSet<Guid>();
        while (true)
        {
            var at = cursor;
            var rows = await Leads.Where(l => l.ReceivedAt >= at).OrderBy(l => l.ReceivedAt).ThenBy(l => l.Id)
                .Take(PageSize + seenAtCursor.Count)
                .Select(l => new { l.Id, l.PublisherKey, l.SubId, l.FieldsJson, l.ReceivedAt, l.Status, l.ContractKey, l.Price, l.Payout })
                .ToListAsync(ct);
            rows.RemoveAll(r => seenAtCursor.Contains(r.Id));
            if (rows.Count == 0) yield break;
            var first = rows[0].ReceivedAt;
            var last = rows[^1].ReceivedAt;

            // The steps of the leads of this page's time slice (a join, not a long IN list); leads of
            // the slice outside the page are dropped below. Pings are packed one row per auction.
            var posts = await (from s in db.TraceSteps.AsNoTracking()
                               join l in Leads on s.LeadId equals l.Id
                               where l.ReceivedAt >= first && l.ReceivedAt <= last && s.Kind != TraceKinds.Note
                               select s)
                .ToListAsync(ct);
            var pings = await (from p in db.TracePings.AsNoTracking()
                               join l in Leads on p.LeadId equals l.Id
                               where l.ReceivedAt >= first && l.ReceivedAt <= last
                               select p)
                .ToListAsync(ct);
            var byLead = LeadTraces.Merge(posts, pings).ToDictionary(t => t.Key, t => (IReadOnlyList<RecordedStep>)[.. t.Value.Select(s =>
                // Only a skip's reason is read (a suppression list).
                new RecordedStep(s.Kind, s.Buyer, s.Contract, s.Outcome, s.Bid, s.LatencyMs, s.Outcome == TraceOutcomes.Skipped ? s.Reason : null, s.At))]);

            yield return [.. rows.Select(r => new RecordedLead(r.Id, r.PublisherKey, r.SubId, JsonNode.Parse(r.FieldsJson) as JsonObject ?? [],
                r.ReceivedAt, r.Status, r.ContractKey, r.Price ?? 0, r.Payout, byLead.GetValueOrDefault(r.Id) ?? []))];

            if (last != cursor) seenAtCursor.Clear();
            cursor = last;
            foreach (var r in rows.Where(r => r.ReceivedAt == last)) seenAtCursor.Add(r.Id);
        }
    }
}
