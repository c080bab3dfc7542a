using LeadHub.Core.Kpis;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Reviews;

// The recurring reviews of the article's pitfalls: buyers rejecting too much, sources whose
// leads get rejected or returned far above the rest, ping fatigue, and fallback routes nobody
// buys from any more. Each raises alerts; the reject review may also pause a buyer.
public sealed class TrafficReviews(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    KpiQueries kpis,
    AlertService alerts,
    WorkspaceService workspace,
    RoutingSnapshotHolder snapshots,
    IOptions<LeadHubOptions> options,
    TimeProvider time)
{
    private ReviewOptions Rules => options.Value.Reviews;

    // Each buyer's pings, posts and rejects of the window, from the KPI rollups (never the trace).
    public async Task<IReadOnlyList<KpiBreakdownRow>> BuyerStatsAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        return await kpis.ByBuyerAsync(now.AddHours(-Rules.WindowHours), now, ct);
    }

    // Returns the buyers alerted.
    public async Task<IReadOnlyList<string>> RejectReviewAsync(CancellationToken ct = default)
    {
        var alerted = new List<string>();
        foreach (var (key, _, stats) in await BuyerStatsAsync(ct))
        {
            if (stats.Posts < Rules.MinPosts || !(stats.RejectRate > Rules.RejectRateThreshold)) continue;
            var buyer = snapshots.Current.Buyers.GetValueOrDefault(key);
            var pause = buyer is { Config.PauseOnHighRejectRate: true, Config.Active: true };
            await alerts.RaiseAsync(AlertKinds.BuyerRejects, key,
                $"Buyer {key} rejected {stats.Rejects} of {stats.Posts} posts ({stats.RejectRate:P0}) in the last {Rules.WindowHours} h" +
                (pause ? "; its contracts were paused." : "; check its filters and the lead quality it receives."), ct);
            if (pause) await workspace.SetBuyersActiveAsync([key], false, PauseNote.RejectReview, ct);
            alerted.Add(key);
        }
        return alerted;
    }

    // Sources (publisher / sub-id) whose leads are rejected or returned far above the average.
    // Counted by the database, a row per source: the review once loaded every lead of its window,
    // and at 570 leads/s a 24-hour window put the node's working set up by 380 MB for two minutes.
    public async Task<IReadOnlyList<string>> SourceReviewAsync(CancellationToken ct = default)
    {
        var since = time.GetUtcNow().AddHours(-Rules.WindowHours);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var sources = await db.Leads.AsNoTracking()
            .Where(l => l.ReceivedAt >= since && !l.Test && (l.Status == LeadStatus.Sold || l.Status == LeadStatus.Unsold || l.Status == LeadStatus.Returned))
            .GroupBy(l => new { l.PublisherKey, l.SubId })
            .Select(g => new
            {
                g.Key.PublisherKey,
                g.Key.SubId,
                Leads = g.Count(),
                Bad = g.Count(l => l.Status == LeadStatus.Returned
                                   || db.TraceSteps.Any(s => s.LeadId == l.Id && s.Kind == TraceKinds.Post && s.Outcome == TraceOutcomes.Rejected)),
            })
            .ToListAsync(ct);
        if (sources.Count == 0) return [];

        var average = (double)sources.Sum(s => s.Bad) / sources.Sum(s => s.Leads);
        var flagged = new List<string>();
        foreach (var source in sources)
        {
            if (source.Leads < Rules.MinSourceLeads) continue;
            var rate = (double)source.Bad / source.Leads;
            if (average <= 0 || rate < average * Rules.SourceFactor) continue;
            var name = source.SubId is null ? source.PublisherKey : $"{source.PublisherKey}/{source.SubId}";
            await alerts.RaiseAsync(AlertKinds.SourceQuality, name,
                $"Source {name}: {rate:P0} of its {source.Leads} leads were rejected or returned in the last {Rules.WindowHours} h " +
                $"(average {average:P0}). Check the traffic quality or block the sub-id.", ct);
            flagged.Add(name);
        }
        return flagged;
    }

    public async Task<IReadOnlyList<string>> PingFatigueReviewAsync(CancellationToken ct = default)
    {
        var alerted = new List<string>();
        foreach (var (key, _, stats) in await BuyerStatsAsync(ct))
        {
            if (stats.Pings < Rules.MinPings || stats.PingToPost >= Rules.MinPostsPerPing) continue;
            await alerts.RaiseAsync(AlertKinds.PingFatigue, key,
                $"Buyer {key} got {stats.Pings} pings but only {stats.PingedPosts} posts after them ({stats.PingToPost:P1}) in the last " +
                $"{Rules.WindowHours} h, below 1 post per {1 / Rules.MinPostsPerPing:0} pings. Tighten its filters so it is pinged " +
                "only for leads it buys.", ct);
            alerted.Add(key);
        }
        return alerted;
    }

    // Fallback routes: contracts in a tier after a campaign's first one. Idle ones are flagged
    // for the monthly review (article: "review your fallback routes monthly").
    public async Task<IReadOnlyList<string>> FallbackReviewAsync(CancellationToken ct = default)
    {
        var since = time.GetUtcNow().AddDays(-Rules.FallbackIdleDays);
        var snapshot = snapshots.Current;
        var fallbacks = snapshot.Campaigns.Values
            .SelectMany(c => c.Tiers.Skip(1).SelectMany(t => t.Contracts))
            .ToList();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // A route set up or changed within the period has not had its chance yet.
        var recent = (await db.Contracts.AsNoTracking().Where(c => c.UpdatedAt >= since).Select(c => c.Key).ToListAsync(ct)).ToHashSet();
        var flagged = new List<string>();
        foreach (var contract in fallbacks.Where(c => !recent.Contains(c.Key)))
        {
            var bought = await db.Leads.AnyAsync(l => l.ContractKey == contract.Key && l.FinishedAt >= since, ct);
            if (bought) continue;
            await alerts.RaiseAsync(AlertKinds.FallbackIdle, contract.Key,
                $"Fallback contract {contract.Key} (buyer {contract.Buyer.Key}, tier {contract.Config.Tier}) bought nothing in " +
                $"{Rules.FallbackIdleDays} days. Review it: replace the buyer or change its price.", ct);
            flagged.Add(contract.Key);
        }
        return flagged;
    }
}
