using LeadHub.Core.Kpis;
using LeadHub.Core.Reviews;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Leads;

public abstract record SettleResult
{
    public sealed record Settled(string Status) : SettleResult;
    public sealed record NotFound : SettleResult;
    // Not (or no longer) waiting for a decision: settled already, or being settled right now.
    public sealed record NotUnknown(string Status) : SettleResult;
}

// A manager's decision on a lead whose post outcome a crash hid (status `unknown`): confirm the
// sale to the buyer that was posted to (sold at the posted price: billed, paid out, on the caps,
// in the KPIs), or release it to be routed again (the manager judged the buyer does not have it).
public sealed class UnknownOutcomes(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    RoutingSnapshotHolder snapshots,
    LeadIntake intake,
    Settle settle,
    ICapLedger caps,
    AlertService alerts,
    NodeIdentity node,
    TimeProvider time,
    Postbacks.PostbackOutbox postbacks)
{
    public static string AlertSubject(Guid leadId) => "lead:" + leadId;

    public async Task<SettleResult> ConfirmSoldAsync(Guid leadId, string actor)
    {
        var (claim, lead, open, firstSeq) = await ClaimAsync(leadId);
        if (claim is not null) return claim;
        var now = time.GetUtcNow();
        var price = lead!.Price ?? open?.Price ?? 0;
        await SetIntentOutcomeAsync(open, TraceOutcomes.Accepted);
        // The cap slot has been held since the lead was parked: nothing more to count.
        await settle.SoldAsync(RoutedLead.Again(lead, now), lead.BuyerKey!, lead.ContractKey!, price,
            [Note(now, $"{actor} confirmed the sale to {lead.BuyerKey}")], [], firstSeq);
        await alerts.ResolveAsync(AlertKinds.PostOutcomeUnknown, AlertSubject(lead.Id), actor);
        // The postback pump's cursor passed this lead while it was parked.
        await postbacks.EnqueueLeadAsync(lead.Id);
        return new SettleResult.Settled(LeadStatus.Sold);
    }

    public async Task<SettleResult> ReleaseAsync(Guid leadId, string actor)
    {
        var (claim, lead, open, firstSeq) = await ClaimAsync(leadId);
        if (claim is not null) return claim;
        var now = time.GetUtcNow();
        if (open is not null && !lead!.Test && snapshots.Current.Contracts.GetValueOrDefault(open.ContractKey) is { } contract)
            await GiveBackSlotAsync(new CapReservation(CapPeriods.ForContract(contract, open.At), open.Price));
        await SetIntentOutcomeAsync(open, "released");
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            // Routing again, owned by this process: a crash from here on is recovered like any other.
            await db.Leads.Where(l => l.Id == leadId).ExecuteUpdateAsync(u => u
                .SetProperty(l => l.Status, LeadStatus.Routing).SetProperty(l => l.Price, (decimal?)null)
                .SetProperty(l => l.BuyerKey, (string?)null).SetProperty(l => l.ContractKey, (string?)null));
        }
        var note = Note(now, $"{actor} released the lead; routed again");
        var campaign = snapshots.Current.Campaigns.GetValueOrDefault(lead!.CampaignKey);
        LeadFinish finish;
        if (campaign is null)
        {
            finish = await settle.UnsoldAsync(RoutedLead.Again(lead, now), "campaign no longer exists", [note], firstSeq);
        }
        else finish = await intake.RouteAsync(RoutedLead.Again(lead, now), campaign, LeadRecovery.Fields(lead), null, [note], firstSeq);
        await alerts.ResolveAsync(AlertKinds.PostOutcomeUnknown, AlertSubject(lead.Id), actor);
        await postbacks.EnqueueLeadAsync(lead.Id);
        return new SettleResult.Settled(finish.Status);
    }

    // One decision per lead: the conditional update lets exactly one caller (on any node) take it.
    private async Task<(SettleResult?, LeadRow?, PostIntentRow?, int)> ClaimAsync(Guid leadId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var lead = await db.Leads.AsNoTracking().FirstOrDefaultAsync(l => l.Id == leadId);
        if (lead is null) return (new SettleResult.NotFound(), null, null, 0);
        var claimed = await db.Leads.Where(l => l.Id == leadId && l.Status == LeadStatus.Unknown && l.Owner == null)
            .ExecuteUpdateAsync(u => u.SetProperty(l => l.Owner, node.Id));
        if (claimed == 0) return (new SettleResult.NotUnknown(lead.Status), null, null, 0);
        var open = await db.PostIntents.AsNoTracking().Where(i => i.LeadId == leadId && i.Outcome == null)
            .OrderByDescending(i => i.Seq).FirstOrDefaultAsync();
        var firstSeq = await LeadTraces.LastSeqAsync(db, leadId) + 1;
        return (null, lead, open, firstSeq);
    }

    private async Task SetIntentOutcomeAsync(PostIntentRow? open, string outcome)
    {
        if (open is null) return;
        await using var db = await dbFactory.CreateDbContextAsync();
        await db.PostIntents.Where(i => i.LeadId == open.LeadId && i.Seq == open.Seq)
            .ExecuteUpdateAsync(u => u.SetProperty(i => i.Outcome, outcome));
    }

    // The slot recovery held for the lost post. The ledger gives it back (in memory, or in the
    // database for the database ledger); an in-memory ledger's persisted counter is lowered here,
    // as a finish would have raised it.
    private async Task GiveBackSlotAsync(CapReservation hold)
    {
        await caps.ReleaseAsync(hold);
        var persisted = caps.Commit(hold);
        if (persisted.Count == 0) return;
        await using var db = await dbFactory.CreateDbContextAsync();
        foreach (var inc in persisted)
        {
            await db.CapCounters.Where(c => c.Key == inc.Key).ExecuteUpdateAsync(u => u
                .SetProperty(c => c.Count, c => c.Count - inc.Count).SetProperty(c => c.Amount, c => c.Amount - inc.Amount));
        }
    }

    private static TraceStep Note(DateTimeOffset at, string reason) =>
        new(TraceKinds.Note, null, null, null, TraceOutcomes.Info, null, null, reason, null, at);
}
