using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Returns;

public sealed record ReturnReviewReport(int Approved, int Denied, int LeftForManager);

// Applies each campaign's return rules to pending returns: reasons it does not allow are denied,
// allowed ones are approved when the campaign auto-approves and the buyer is not returning an
// unusual share of what it buys. Everything else waits for a manager in the portal.
public sealed class ReturnReview(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    ReturnService returns,
    RoutingSnapshotHolder snapshots,
    TimeProvider time)
{
    public const string Actor = "return-review";

    public async Task<ReturnReviewReport> RunAsync(CancellationToken ct = default)
    {
        List<ReturnRow> pending;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            pending = await db.Returns.AsNoTracking().Where(r => r.Status == ReturnStatus.Pending).OrderBy(r => r.RequestedAt).ToListAsync(ct);

        int approved = 0, denied = 0, left = 0;
        foreach (var ret in pending)
        {
            var rules = snapshots.Current.Campaigns.GetValueOrDefault(ret.CampaignKey)?.Config.ReturnRules;
            if (rules is null)
            {
                left++;
                continue;
            }
            if (rules.AllowedReasons.Count > 0 && !rules.AllowedReasons.Contains(ret.Reason, StringComparer.OrdinalIgnoreCase))
            {
                await returns.DecideAsync(ret.Id, approve: false,
                    $"reason '{ret.Reason}' is not accepted for this campaign (accepted: {string.Join(", ", rules.AllowedReasons)})", Actor, ct);
                denied++;
                continue;
            }
            if (!rules.AutoApprove || await OverRateAsync(ret, rules, ct))
            {
                left++;
                continue;
            }
            await returns.DecideAsync(ret.Id, approve: true, "approved by the campaign's return rules", Actor, ct);
            approved++;
        }
        return new ReturnReviewReport(approved, denied, left);
    }

    private async Task<bool> OverRateAsync(ReturnRow ret, ReturnRulesConfig rules, CancellationToken ct)
    {
        if (rules.MaxReturnRate is not { } max) return false;
        var since = time.GetUtcNow().AddDays(-rules.RatePeriodDays);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var bought = await db.Leads.CountAsync(l => l.BuyerKey == ret.BuyerKey && l.FinishedAt >= since
            && (l.Status == LeadStatus.Sold || l.Status == LeadStatus.Returned), ct);
        var returned = await db.Returns.CountAsync(r => r.BuyerKey == ret.BuyerKey && r.RequestedAt >= since
            && r.Status == ReturnStatus.Approved, ct);
        // Counting this return as approved too: would it push the buyer over the limit?
        return bought == 0 || (double)(returned + 1) / bought > max;
    }
}
