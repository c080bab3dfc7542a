using System.Globalization;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Lab;

// What one arm of a live split did. Leads are the split's finished, non-test leads (sold, unsold
// or returned: a lead still routing or waiting for a manager has no outcome yet). Revenue is net of
// approved returns, payout net of reversed payouts, like the dashboard's (KpiDefinitions).
public sealed record SplitArmFigures(string Arm, long Leads, long Sold, decimal Revenue, decimal Payout, long Posts, long RejectedPosts,
    Sample RevenuePerLead)
{
    public decimal Margin => Revenue - Payout;
    public Estimate Rpl => Significance.MeanOf(RevenuePerLead);
    public Estimate SellThrough => Significance.RateOf(Sold, Leads);
    public Estimate RejectRate => Significance.RateOf(RejectedPosts, Posts);

    public static SplitArmFigures Empty(string arm) => new(arm, 0, 0, 0m, 0m, 0, 0, Sample.Empty);
}

// B against A, with the headline in plain words.
public sealed record SplitComparison(string Campaign, SplitConfig Split, SplitArmFigures A, SplitArmFigures B,
    Comparison Rpl, Comparison SellThrough, Comparison RejectRate, string Summary, long? MoreLeadsPerArm);

// The live split's A/B read model: one aggregate query per table over the split's leads (index
// CampaignKey, SplitId), never the leads themselves.
public sealed class SplitQueries(IDbContextFactory<LeadHubDbContext> dbFactory, RoutingSnapshotHolder snapshots)
{
    // The campaign's running split compared; null without such a campaign or split.
    public async Task<SplitComparison?> CompareAsync(string campaignKey, CancellationToken ct = default)
    {
        if (!snapshots.Current.Campaigns.TryGetValue(campaignKey, out var campaign) || campaign.Config.Split is not { } split) return null;
        return await CompareAsync(campaignKey, split, ct);
    }

    public async Task<SplitComparison> CompareAsync(string campaignKey, SplitConfig split, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var leads = db.Leads.AsNoTracking().Where(l => l.CampaignKey == campaignKey && l.SplitId == split.Id && l.SplitArm != null && !l.Test
            && (l.Status == LeadStatus.Sold || l.Status == LeadStatus.Unsold || l.Status == LeadStatus.Returned));

        // Per lead: what it earned and paid once returns are taken off (a shared lead's returned sales only).
        var perLead = leads.Select(l => new
        {
            Arm = l.SplitArm!,
            Sold = l.Status == LeadStatus.Unsold ? 0 : 1,
            Revenue = l.Status == LeadStatus.Sold
                ? (l.Price ?? 0m) - db.LeadSales.Where(s => s.LeadId == l.Id && s.ReturnedAt != null).Sum(s => s.Price)
                : 0m,
            Payout = l.Status == LeadStatus.Sold
                ? l.Payout - db.LeadSales.Where(s => s.LeadId == l.Id && s.ReturnedAt != null).Sum(s => s.Payout)
                : 0m,
        });
        var byArm = await perLead.GroupBy(x => x.Arm).Select(g => new
        {
            Arm = g.Key,
            Leads = g.LongCount(),
            Sold = g.Sum(x => x.Sold),
            Revenue = g.Sum(x => x.Revenue),
            RevenueSquares = g.Sum(x => x.Revenue * x.Revenue),
            Payout = g.Sum(x => x.Payout),
        }).ToListAsync(ct);

        var posts = await (from s in db.TraceSteps
                           join l in leads on s.LeadId equals l.Id
                           where s.Kind == TraceKinds.Post && s.Outcome != TraceOutcomes.Skipped
                           group s by l.SplitArm into g
                           select new
                           {
                               Arm = g.Key,
                               Posts = g.LongCount(),
                               Rejected = g.LongCount(s => s.Outcome == TraceOutcomes.Rejected || s.Outcome == TraceOutcomes.Timeout
                                                           || s.Outcome == TraceOutcomes.Error),
                           }).ToListAsync(ct);

        SplitArmFigures Arm(string arm)
        {
            var l = byArm.FirstOrDefault(x => x.Arm == arm);
            var p = posts.FirstOrDefault(x => x.Arm == arm);
            if (l is null) return SplitArmFigures.Empty(arm) with { Posts = p?.Posts ?? 0, RejectedPosts = p?.Rejected ?? 0 };
            return new SplitArmFigures(arm, l.Leads, l.Sold, l.Revenue, l.Payout, p?.Posts ?? 0, p?.Rejected ?? 0,
                new Sample(l.Leads, l.Revenue, l.RevenueSquares));
        }
        return Compare(campaignKey, split, Arm(SplitArms.A), Arm(SplitArms.B));
    }

    // The statistics and the sentence, from the two arms' figures (separate so tests can check them by hand).
    public static SplitComparison Compare(string campaignKey, SplitConfig split, SplitArmFigures a, SplitArmFigures b)
    {
        var rpl = Significance.CompareMeans(a.RevenuePerLead, b.RevenuePerLead);
        var sellThrough = Significance.CompareRates(a.Sold, a.Leads, b.Sold, b.Leads);
        var rejects = Significance.CompareRates(a.RejectedPosts, a.Posts, b.RejectedPosts, b.Posts) with { LowerIsBetter = true };
        var more = rpl.EnoughData ? (long?)null : MoreLeadsPerArm(a.RevenuePerLead, b.RevenuePerLead);
        return new SplitComparison(campaignKey, split, a, b, rpl, sellThrough, rejects, Summary(rpl, more), more);
    }

    // "B earns $0.84 more per lead (95 % CI 0.12 to 1.56, p = 0.02)", or why it cannot be said yet.
    public static string Summary(Comparison rpl, long? moreLeadsPerArm)
    {
        if (!rpl.EnoughData)
        {
            return moreLeadsPerArm is { } n && n > 0
                ? $"not enough data yet: {n.ToString("N0", CultureInfo.InvariantCulture)} more leads per arm needed"
                : "not enough data yet";
        }
        var words = rpl.Difference >= 0 ? "more" : "less";
        var detail = Text($"(95 % CI {rpl.Low:0.00} to {rpl.High:0.00}, p = {P(rpl.PValue)})");
        var amount = Text($"${Math.Abs(rpl.Difference):0.00}");
        return rpl.Significant
            ? $"B earns {amount} {words} per lead {detail}"
            : $"no significant difference yet: B earns {amount} {words} per lead {detail}";
    }

    // Leads per arm still to come before the verdict can be given: at least Significance.MinLeadsPerArm,
    // and, once both arms vary, the size that would find the difference seen so far with 80 % power
    // (n = (z₀.₉₇₅ + z₀.₈)² (σA² + σB²) / Δ²). Null when it cannot be estimated yet.
    public static long? MoreLeadsPerArm(Sample a, Sample b)
    {
        var have = Math.Min(a.N, b.N);
        long needed = Significance.MinLeadsPerArm;
        var difference = b.Mean - a.Mean;
        if (a.N >= 2 && b.N >= 2 && difference != 0 && a.Variance + b.Variance > 0)
        {
            var sized = Math.Ceiling(7.849 * (a.Variance + b.Variance) / (difference * difference));
            // Beyond a million leads per arm the difference is too small to matter: say "not enough" without a number.
            if (sized > 1_000_000) return null;
            needed = Math.Max(needed, (long)sized);
        }
        return Math.Max(0, needed - have);
    }

    // Two decimals, three below 0.01, and "< 0.001" below that.
    public static string P(double p) =>
        p < 0.001 ? "< 0.001" : p.ToString(p < 0.01 ? "0.000" : "0.00", CultureInfo.InvariantCulture);

    private static string Text(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
