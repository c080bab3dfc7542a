using System.Globalization;
using System.Text.RegularExpressions;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Lab;

public abstract record SplitChange
{
    public sealed record Done(CampaignConfig Campaign) : SplitChange;
    public sealed record UnknownCampaign(string Campaign) : SplitChange;
    public sealed record NoSplit(string Campaign) : SplitChange;

    // Nothing was changed: the share or id was wrong, or the workspace validator refused the result.
    public sealed record Refused(IReadOnlyList<WorkspaceError> Errors) : SplitChange;
}

// Starts, stops and promotes a campaign's live split (README "Live split"), for the portal page and
// the admin API alike. Every change is a workspace import through WorkspaceService: validated by
// WorkspaceValidator, saved in one transaction and audited, and the split stays in the workspace
// file (CampaignConfig.Split) for export and import.
public sealed partial class LiveSplits(WorkspaceService workspace, TimeProvider time)
{
    public const int MaxIdLength = 64;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex IdPattern();

    // The id offered for a new split: the campaign and when it started, e.g. "auto-20261202-1530".
    public static string DefaultId(string campaign, DateTimeOffset now) =>
        $"{campaign}-{now.UtcDateTime.ToString("yyyyMMdd-HHmm", CultureInfo.InvariantCulture)}";

    // THE checks of a split's own settings before anything else looks at it (the plan's fields are
    // the workspace validator's). Paths as in a workspace document.
    public static IReadOnlyList<WorkspaceError> Problems(string? id, decimal shareB)
    {
        var errors = new List<WorkspaceError>();
        if (shareB is <= 0m or >= 1m)
            errors.Add(new WorkspaceError("$.split.shareB", "must be between 0 and 1, e.g. 0.10 for 10 % of new leads to plan B"));
        if (id is not null && (id.Length > MaxIdLength || !IdPattern().IsMatch(id)))
            errors.Add(new WorkspaceError("$.split.id",
                $"at most {MaxIdLength} letters, digits, '.', '_' or '-', starting with a letter or digit"));
        return errors;
    }

    // Starts a split, or replaces the running one. The same id keeps its start (the experiment goes
    // on, e.g. with a corrected plan); a new id starts a new experiment with fresh arms.
    public async Task<SplitChange> StartAsync(string campaignKey, string? id, decimal shareB, RoutingPlan? planB, string actor,
        CancellationToken ct = default)
    {
        id = string.IsNullOrWhiteSpace(id) ? null : id.Trim();
        var problems = Problems(id, shareB);
        if (problems.Count > 0) return new SplitChange.Refused(problems);
        var campaign = await CampaignAsync(campaignKey, ct);
        if (campaign is null) return new SplitChange.UnknownCampaign(campaignKey);
        var now = time.GetUtcNow();
        id ??= DefaultId(campaignKey, now);
        var startedAt = campaign.Split is { } running && running.Id == id ? running.StartedAt ?? now : now;
        var next = campaign with { Split = new SplitConfig { Id = id, ShareB = shareB, PlanB = planB ?? new RoutingPlan(), StartedAt = startedAt } };
        return await SaveAsync(new WorkspaceDocument { Campaigns = [next] }, next, actor, ct);
    }

    // Plan A continues alone. The split's leads keep their arm columns, so its figures stay readable by id.
    public async Task<SplitChange> StopAsync(string campaignKey, string actor, CancellationToken ct = default)
    {
        var campaign = await CampaignAsync(campaignKey, ct);
        if (campaign is null) return new SplitChange.UnknownCampaign(campaignKey);
        if (campaign.Split is null) return new SplitChange.NoSplit(campaignKey);
        var next = campaign with { Split = null };
        return await SaveAsync(new WorkspaceDocument { Campaigns = [next] }, next, actor, ct);
    }

    // The campaign becomes plan B: its campaign-level settings (PlanB.Apply), and the plan's contract
    // changes made on the contracts themselves: a contract the plan left out (removed contract,
    // buyer or tier) is paused with a note saying why, a moved contract gets its new tier. All in
    // one import, so it is all or nothing, and audited per campaign and buyer.
    public async Task<SplitChange> PromoteAsync(string campaignKey, string actor, CancellationToken ct = default)
    {
        var doc = await workspace.ExportAsync(ct);
        var campaign = doc.Campaigns.FirstOrDefault(c => c.Key == campaignKey);
        if (campaign is null) return new SplitChange.UnknownCampaign(campaignKey);
        if (campaign.Split is not { } split) return new SplitChange.NoSplit(campaignKey);
        var plan = split.PlanB;
        var next = plan.Apply(campaign);
        var note = new PauseNote(actor, time.GetUtcNow(), $"left out by plan B of split {split.Id}, promoted");
        var buyers = new List<BuyerConfig>();
        foreach (var buyer in doc.Buyers)
        {
            var changed = false;
            var contracts = buyer.Contracts.Select(c =>
            {
                if (c.Campaign != campaignKey) return c;
                var after = !plan.Takes(c, buyer.Key) ? (c.Active ? c with { Active = false, Paused = note } : c)
                    : plan.TierOf(c) != c.Tier ? c with { Tier = plan.TierOf(c) } : c;
                changed |= after != c;
                return after;
            }).ToList();
            if (changed) buyers.Add(buyer with { Contracts = contracts });
        }
        return await SaveAsync(new WorkspaceDocument { Campaigns = [next], Buyers = buyers }, next, actor, ct);
    }

    private async Task<CampaignConfig?> CampaignAsync(string key, CancellationToken ct) =>
        (await workspace.ExportAsync(ct)).Campaigns.FirstOrDefault(c => c.Key == key);

    private async Task<SplitChange> SaveAsync(WorkspaceDocument change, CampaignConfig next, string actor, CancellationToken ct)
    {
        var errors = await workspace.ImportAsync(change, actor, ct);
        return errors.Count > 0 ? new SplitChange.Refused(errors) : new SplitChange.Done(next);
    }
}
