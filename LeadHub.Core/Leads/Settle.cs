using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Leads;

// The one place a lead's final state is put together and written, for intake, recovery and a
// manager's decision alike: sold (price, buyer, the publisher's payout), unsold (why), or unknown
// (a post whose answer a crash hid). Each returns what it wrote.
public sealed class Settle(LeadWriter writer, RoutingSnapshotHolder snapshots, CrashPoints crash, TimeProvider time)
{
    // `publisher`: the one the request was authenticated as; null looks it up (recovery).
    public Task<LeadFinish> SoldAsync(RoutedLead lead, string buyer, string contract, decimal price, IReadOnlyList<TraceStep> trace,
        IReadOnlyList<CapIncrement> caps, int firstSeq, PublisherSnapshot? publisher = null)
    {
        publisher ??= snapshots.Current.Publishers.GetValueOrDefault(lead.PublisherKey);
        // Test leads pay nothing (CONTRACT §1); a publisher removed since pays nothing either.
        var payout = lead.Test || publisher is null ? 0 : Payouts.For(publisher.PayoutFor(lead.Kpi.Campaign), price);
        return WriteAsync(new LeadFinish(lead.Id, LeadStatus.Sold, price, buyer, contract, payout, null, time.GetUtcNow(), trace, caps, firstSeq, lead.Kpi));
    }

    public Task<LeadFinish> UnsoldAsync(RoutedLead lead, string reason, IReadOnlyList<TraceStep> trace, int firstSeq) =>
        WriteAsync(new LeadFinish(lead.Id, LeadStatus.Unsold, null, null, null, 0, reason, time.GetUtcNow(), trace, [], firstSeq, lead.Kpi));

    // Parked for a manager: the buyer and price of the post whose answer was lost, and the cap slot it holds.
    public Task<LeadFinish> UnknownAsync(RoutedLead lead, PostIntentRow open, string reason, IReadOnlyList<TraceStep> trace,
        IReadOnlyList<CapIncrement> held, int firstSeq) =>
        WriteAsync(new LeadFinish(lead.Id, LeadStatus.Unknown, open.Price, open.BuyerKey, open.ContractKey, 0, reason, time.GetUtcNow(),
            trace, held, firstSeq, lead.Kpi));

    // What an auction came to: sold to its winner, or unsold with the reason a manager reads.
    public Task<LeadFinish> RoutedAsync(RoutedLead lead, CampaignSnapshot campaign, AuctionResult result, IReadOnlyList<TraceStep> trace,
        int firstSeq, PublisherSnapshot? publisher)
    {
        if (result.Winner is { } w)
            return SoldAsync(lead, w.Contract.Buyer.Key, w.Contract.Key, w.Price, trace, result.CapIncrements, firstSeq, publisher);
        var reason = !campaign.Config.Active ? CampaignPaused
            : trace.Any(s => s.Kind == TraceKinds.Post) ? "every buyer that bid rejected the lead"
            : "no buyer bid above the floor";
        return UnsoldAsync(lead, reason, trace, firstSeq);
    }

    public const string CampaignPaused = "campaign is paused";

    private async Task<LeadFinish> WriteAsync(LeadFinish finish)
    {
        crash.Reached(CrashPoints.BeforeFinish);
        await writer.FinishAsync(finish);
        return finish;
    }
}
