using System.Text.Json.Nodes;
using LeadHub.Core.Kpis;
using LeadHub.Core.Reviews;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Leads;

// Finishes leads a crash left in `routing`: re-routed while they are fresh enough to sell,
// otherwise closed as unsold, each with a trace note saying what happened. A lead whose last
// post's answer was lost is never re-routed: it goes to `unknown` for a manager (UnknownOutcomes),
// or back to that same buyer only where its contract allows (repostSameLeadId).
public sealed class LeadRecovery(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    RoutingSnapshotHolder snapshots,
    LeadIntake intake,
    Settle settle,
    Auction auction,
    ICapLedger caps,
    AlertService alerts,
    NodeIdentity node,
    TimeProvider time,
    IOptions<LeadHubOptions> options,
    ILogger<LeadRecovery> log) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => RecoverAsync(stoppingToken);

    // Leads of an earlier process or a dead node, and (from the housekeeping job) any lead that
    // has been routing far longer than any auction takes, so its routing task must have died.
    public async Task<int> RecoverAsync(CancellationToken ct, TimeSpan? stuckFor = null)
    {
        List<LeadRow> stuck;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // Another node that still beats is routing its own leads: never take those (unless they
            // are far older than any auction, when that node's routing task must have died).
            var live = await Cluster.NodeHeartbeat.LiveNodesAsync(db, node.Id, time.GetUtcNow(),
                TimeSpan.FromSeconds(options.Value.Cluster.NodeTimeoutSeconds), ct);
            var routing = db.Leads.AsNoTracking().Where(l => l.Status == LeadStatus.Routing);
            if (stuckFor is { } age)
            {
                var stuckSince = time.GetUtcNow() - age;
                routing = routing.Where(l => l.Owner == null || (l.Owner != node.Id && !live.Contains(l.Owner)) || l.ReceivedAt < stuckSince);
            }
            else routing = routing.Where(l => l.Owner == null || (l.Owner != node.Id && !live.Contains(l.Owner)));
            stuck = await routing.ToListAsync(ct);
            // A decision on an `unknown` lead that a crash interrupted: the lead can be settled again.
            await db.Leads.Where(l => l.Status == LeadStatus.Unknown && l.Owner != null && l.Owner != node.Id && !live.Contains(l.Owner))
                .ExecuteUpdateAsync(u => u.SetProperty(l => l.Owner, (string?)null), ct);
        }
        if (stuck.Count == 0) return 0;
        log.LogWarning("Recovering {Count} leads left routing by an earlier run", stuck.Count);

        var window = TimeSpan.FromSeconds(options.Value.Recovery.RerouteWithinSeconds);
        await Parallel.ForEachAsync(stuck, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (lead, _) => await RecoverOneAsync(lead, window));
        return stuck.Count;
    }

    private async Task RecoverOneAsync(LeadRow lead, TimeSpan window)
    {
        var now = time.GetUtcNow();
        int firstSeq;
        List<PostIntentRow> lost;
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            // Claim it first: whoever else looks at the same stuck lead (another run of this job,
            // another node) finds it taken and leaves it alone.
            var claimed = await db.Leads
                .Where(l => l.Id == lead.Id && l.Status == LeadStatus.Routing && l.Owner == lead.Owner)
                .ExecuteUpdateAsync(u => u.SetProperty(l => l.Owner, node.Id));
            if (claimed == 0) return;
            // The crashed run wrote none of its trace, but every post it sent left an intent, placed
            // after the stored trace; continue after both.
            var traced = await LeadTraces.LastSeqAsync(db, lead.Id);
            lost = await db.PostIntents.AsNoTracking().Where(i => i.LeadId == lead.Id && i.Seq > traced).OrderBy(i => i.Seq).ToListAsync();
            firstSeq = Math.Max(traced, lost.Count == 0 ? -1 : lost[^1].Seq) + 1;
        }
        // The trace keeps every post of the crashed run; one whose answer was never stored shows `unknown`.
        List<TraceStep> posted = [.. lost.Select(PostStep)];
        var campaign = snapshots.Current.Campaigns.GetValueOrDefault(lead.CampaignKey);
        var fresh = campaign is not null && now - lead.ReceivedAt <= window;

        // A shared lead that had sold to some buyers before the crash (their acceptances are stored
        // at once, PostJournal): it is sold to those, and posted to nobody else. A post whose answer
        // was lost stays unknown in the trace, is not billed, and is raised for a manager to check.
        var shared = lost.Where(i => i.Outcome == TraceOutcomes.Accepted).ToList();
        if (shared.Count > 0)
        {
            await SettleSharedAsync(lead, shared, lost.LastOrDefault(i => i.Outcome is null), posted, firstSeq, now);
            return;
        }

        // At most one post per lead is ever open (see PostJournal). The buyer may have taken the lead:
        // it is never posted to another buyer until a manager decides, unless the same buyer may
        // be asked again because it treats a repeated lead id as the same lead.
        if (lost.LastOrDefault(i => i.Outcome is null) is { } open)
        {
            var contract = snapshots.Current.Contracts.GetValueOrDefault(open.ContractKey);
            var routable = contract is not null && campaign is not null && campaign.Tiers.Any(t => t.Contracts.Contains(contract));
            // The slot the lost post had taken: an in-memory ledger forgot it with the process, the
            // database ledger kept it. A post that happened within the cap keeps its slot.
            var hold = lead.Test || contract is null ? null : new CapReservation(CapPeriods.ForContract(contract, open.At), open.Price);
            var held = hold is null ? [] : caps.Commit(hold);
            caps.Seed(held);
            if (fresh && routable && contract is { Config.RepostSameLeadId: true })
            {
                await RepostAsync(lead, campaign!, contract, open, hold, held, [.. posted,
                    Note(now, $"recovered after restart; the answer to the post to {open.BuyerKey} was lost; posted again to the same buyer")], firstSeq);
                return;
            }
            var reason = $"outcome of the post to {open.BuyerKey} unknown after a restart: confirm the sale or release the lead";
            // The alert first: a crash between the two leaves the lead routing, and the next recovery
            // parks it again and finds the same open alert.
            await alerts.RaiseAsync(AlertKinds.PostOutcomeUnknown, UnknownOutcomes.AlertSubject(lead.Id),
                $"Lead {lead.Id} was posted to {open.BuyerKey} ({open.ContractKey}) at {open.Price} and the process stopped before the answer was stored. " +
                "Confirm the sale to that buyer or release the lead to route it again.");
            await settle.UnknownAsync(RoutedLead.Again(lead, now), open, reason, [.. posted, Note(now, "recovered after restart; " + reason)], held, firstSeq);
            log.LogWarning("Lead {LeadId}: outcome of the post to {Buyer} unknown after a restart; waiting for a manager", lead.Id, open.BuyerKey);
            return;
        }

        if (fresh)
        {
            var note = Note(now, "recovered after restart; routed again");
            await intake.RouteAsync(RoutedLead.Again(lead, now), campaign!, Fields(lead), null, [.. posted, note], firstSeq);
            return;
        }
        var closing = campaign is null ? "recovered after restart; campaign no longer exists" : "recovered after restart; too old to route again";
        await settle.UnsoldAsync(RoutedLead.Again(lead, now), closing, [.. posted, Note(now, closing)], firstSeq);
    }

    // The contract says this buyer treats a repeated lead id as the same lead: ask it again, at the
    // same price, and no one else. Accepted: sold. Otherwise its slot is given back and the lead
    // is routed again like any recovered lead (the buyer has said it does not have it).
    private async Task RepostAsync(LeadRow lead, CampaignSnapshot campaign, ContractSnapshot contract, PostIntentRow open,
        CapReservation? hold, IReadOnlyList<CapIncrement> held, List<TraceStep> trace, int firstSeq)
    {
        var now = time.GetUtcNow();
        var fields = Fields(lead);
        var auctionLead = LeadIntake.AuctionLeadOf(RoutedLead.Again(lead, now), campaign, fields, firstSeq);
        var offer = new Offer(contract, open.Tier, open.Price, now, PostJournal.CapturedOf(open));
        var (step, accepted) = await auction.RepostAsync(auctionLead, offer, trace.Count,
            CancellationToken.None);
        trace.Add(step);
        if (accepted)
        {
            await settle.SoldAsync(RoutedLead.Again(lead, now), contract.Buyer.Key, contract.Key, open.Price, trace, held, firstSeq);
            return;
        }
        if (hold is not null) await caps.ReleaseAsync(hold);
        await intake.RouteAsync(RoutedLead.Again(lead, now), campaign, fields, null, trace, firstSeq);
    }

    private async Task SettleSharedAsync(LeadRow lead, List<PostIntentRow> sold, PostIntentRow? open, List<TraceStep> trace,
        int firstSeq, DateTimeOffset now)
    {
        var held = new List<CapIncrement>();
        foreach (var sale in sold)
        {
            var contract = snapshots.Current.Contracts.GetValueOrDefault(sale.ContractKey);
            if (!lead.Test && contract is not null)
                held.AddRange(caps.Commit(new CapReservation(CapPeriods.ForContract(contract, sale.At), sale.Price)));
        }
        caps.Seed(held);
        var note = $"recovered after restart; shared with {sold.Count} buyer(s) before the restart, posted to no one else";
        if (open is not null)
        {
            note += $"; the answer to the post to {open.BuyerKey} was lost: not billed, check with that buyer";
            await alerts.RaiseAsync(AlertKinds.PostOutcomeUnknown, UnknownOutcomes.AlertSubject(lead.Id),
                $"Shared lead {lead.Id} was posted to {open.BuyerKey} ({open.ContractKey}) at {open.Price} and the process stopped before the answer " +
                "was stored. The lead is settled with its other sales; that post is not billed.");
        }
        await settle.SoldAsync(RoutedLead.Again(lead, now), [.. sold.Select(s => new Settle.Sale(s.BuyerKey, s.ContractKey, s.Price, s.Price))],
            [.. trace, Note(now, note)], held, firstSeq);
    }

    internal static JsonObject Fields(LeadRow lead) => JsonNode.Parse(lead.FieldsJson)?.AsObject() ?? [];

    private static TraceStep PostStep(PostIntentRow i) => new(TraceKinds.Post, i.BuyerKey, i.ContractKey, i.Tier,
        i.Outcome ?? TraceOutcomes.Unknown, null, i.Price,
        i.Outcome is null ? "sent before a restart; the buyer's answer was never stored" : "sent before a restart", null, i.At);

    private static TraceStep Note(DateTimeOffset at, string reason) =>
        new(TraceKinds.Note, null, null, null, TraceOutcomes.Info, null, null, reason, null, at);
}
