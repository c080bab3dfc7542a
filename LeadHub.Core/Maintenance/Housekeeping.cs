using System.Text.Json.Nodes;
using LeadHub.Core.Kpis;
using LeadHub.Core.Leads;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Maintenance;

public sealed record HousekeepingReport(int RecoveredLeads, int ExpiredIdempotencyKeys, int PiiErased, int OldPings, int OldCapCounters,
    int CompactedRollups);

// The chores that keep a long-running LeadHub healthy and compliant.
public sealed class Housekeeping(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    LeadRecovery recovery,
    RoutingSnapshotHolder snapshots,
    IOptions<LeadHubOptions> options,
    TimeProvider time)
{
    // No auction runs this long; a lead still routing after it lost its routing task.
    public static readonly TimeSpan StuckAfter = TimeSpan.FromMinutes(10);
    private const int Batch = 500;

    public async Task<HousekeepingReport> RunAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var recovered = await recovery.RecoverAsync(ct, StuckAfter);
        await using var db = await dbFactory.CreateDbContextAsync(ct);

        // CONTRACT §1: an Idempotency-Key is remembered for 24 hours.
        var expiredKeys = await ForgetKeysAsync(db, now - Dedupe.IdempotencyWindow, ct);

        var erased = options.Value.Retention.PiiDays is { } days ? await ErasePiiAsync(db, now.AddDays(-days), ct) : 0;

        var pingCutoff = now.AddDays(-1);
        var oldPings = await db.PublisherPings.Where(p => p.ExpiresAt < pingCutoff).ExecuteDeleteAsync(ct);
        // Monthly caps are the longest period; older counters can never matter again.
        var capCutoff = now.AddDays(-40);
        var oldCaps = await db.CapCounters.Where(c => c.UpdatedAt < capCutoff).ExecuteDeleteAsync(ct);
        var compacted = await CompactRollupsAsync(db, now - MinuteDetailKept, ct);
        return new HousekeepingReport(recovered, expiredKeys, erased, oldPings, oldCaps, compacted);
    }

    // Where the last runs stopped. Each run visits only the leads that came of age since, in short
    // slices, not every lead below the cutoff: an UPDATE holds SQLite's one write lock, and the
    // lead writer with it, for as long as it scans, and the history only grows.
    private DateTimeOffset? _keysForgottenTo, _piiErasedTo;
    private static readonly TimeSpan Slice = TimeSpan.FromMinutes(10);

    // A node's first run looks back one more window. A key older than that is still freed by the
    // writer when its publisher sends it again (Dedupe.IsReplay): forgetting here is tidiness, and
    // no answer depends on it.
    private async Task<int> ForgetKeysAsync(LeadHubDbContext db, DateTimeOffset cutoff, CancellationToken ct)
    {
        var total = 0;
        var from = _keysForgottenTo ?? cutoff - Dedupe.IdempotencyWindow;
        while (from < cutoff)
        {
            var to = from + Slice < cutoff ? from + Slice : cutoff;
            total += await db.Leads.Where(l => l.ReceivedAt >= from && l.ReceivedAt < to && l.IdempotencyKey != null)
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.IdempotencyKey, (string?)null), ct);
            _keysForgottenTo = from = to;
        }
        return total;
    }

    // Minute rows are for the live view; after a week an hour is fine-grained enough, and 60×
    // fewer rows keep month and year ranges fast.
    public static readonly TimeSpan MinuteDetailKept = TimeSpan.FromDays(7);

    // Folds every older minute row into its hour's row (the row at the hour's first minute), one
    // hour at a time so memory stays bounded whatever the history.
    private static async Task<int> CompactRollupsAsync(LeadHubDbContext db, DateTimeOffset olderThan, CancellationToken ct)
    {
        Task<DateTimeOffset?> NextAsync(DateTimeOffset from) => db.KpiBuckets.AsNoTracking()
            .Where(r => r.Minute >= from && r.Minute < olderThan).OrderBy(r => r.Minute).Select(r => (DateTimeOffset?)r.Minute)
            .FirstOrDefaultAsync(ct);

        var total = 0;
        for (var at = await NextAsync(DateTimeOffset.MinValue.ToUniversalTime()); at is { } cursor; )
        {
            var hour = new DateTimeOffset(cursor.Year, cursor.Month, cursor.Day, cursor.Hour, 0, 0, TimeSpan.Zero);
            var next = hour.AddHours(1);
            var rows = await db.KpiBuckets.Where(r => r.Minute >= hour && r.Minute < next && r.Minute < olderThan).ToListAsync(ct);
            var hours = rows.Where(r => r.Minute == hour).ToDictionary(r => (r.CampaignKey, r.PublisherKey, r.SubId, r.BuyerKey));
            foreach (var m in rows.Where(r => r.Minute != hour))
            {
                if (!hours.TryGetValue((m.CampaignKey, m.PublisherKey, m.SubId, m.BuyerKey), out var target))
                {
                    db.KpiBuckets.Add(target = new KpiBucketRow
                    {
                        Minute = hour, CampaignKey = m.CampaignKey, PublisherKey = m.PublisherKey, SubId = m.SubId, BuyerKey = m.BuyerKey,
                    });
                    hours[(m.CampaignKey, m.PublisherKey, m.SubId, m.BuyerKey)] = target;
                }
                target.Add(m);
                db.KpiBuckets.Remove(m);
                total++;
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            at = await NextAsync(next);
        }
        return total;
    }

    // Keeps only the campaign's non-PII fields (what a ping would carry) and forgets the dedupe
    // keys; status, prices, payouts and the trace stay, so every figure is unchanged.
    private async Task<int> ErasePiiAsync(LeadHubDbContext db, DateTimeOffset olderThan, CancellationToken ct)
    {
        var campaigns = snapshots.Current.Campaigns;
        var total = 0;
        // A node's first run reads the whole history once; later runs start where it ended.
        var from = _piiErasedTo ?? DateTimeOffset.MinValue.ToUniversalTime();
        while (true)
        {
            var leads = await db.Leads.Where(l => l.ReceivedAt >= from && l.ReceivedAt < olderThan && !l.PiiErased)
                .OrderBy(l => l.ReceivedAt).Take(Batch).ToListAsync(ct);
            if (leads.Count == 0)
            {
                _piiErasedTo = olderThan;
                return total;
            }
            from = leads[^1].ReceivedAt;
            foreach (var lead in leads)
            {
                var fields = JsonNode.Parse(Validation.JsonUnicode.Repair(lead.FieldsJson)) as JsonObject ?? [];
                var kept = campaigns.TryGetValue(lead.CampaignKey, out var campaign) ? campaign.PingFieldsOf(fields) : [];
                lead.FieldsJson = kept.ToJsonString();
                lead.PhoneKey = null;
                lead.EmailKey = null;
                lead.PiiErased = true;
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            total += leads.Count;
        }
    }
}
