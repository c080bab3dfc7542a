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
    // `value`: the price after price rules, what the payout is computed on (the price when null).
    public Task<LeadFinish> SoldAsync(RoutedLead lead, string buyer, string contract, decimal price, IReadOnlyList<TraceStep> trace,
        IReadOnlyList<CapIncrement> caps, int firstSeq, PublisherSnapshot? publisher = null, decimal? value = null) =>
        SoldAsync(lead, [new Sale(buyer, contract, price, value ?? price)], trace, caps, firstSeq, publisher);

    // One sale (exclusive) or several (shared): the lead row holds the first sale's buyer and the
    // sums; a shared lead's sales are rows of their own, each with its share of the payout.
    public Task<LeadFinish> SoldAsync(RoutedLead lead, IReadOnlyList<Sale> sales, IReadOnlyList<TraceStep> trace,
        IReadOnlyList<CapIncrement> caps, int firstSeq, PublisherSnapshot? publisher = null)
    {
        publisher ??= snapshots.Current.Publishers.GetValueOrDefault(lead.PublisherKey);
        var price = sales.Sum(s => s.Price);
        // Test leads pay nothing (CONTRACT §1); a publisher removed since pays nothing either.
        var payout = lead.Test || publisher is null ? 0
            : Payouts.For(publisher.PayoutFor(lead.Kpi.Campaign, lead.Kpi.SubId), sales.Sum(s => s.Value), price);
        var now = time.GetUtcNow();
        var first = sales[0];
        var finish = new LeadFinish(lead.Id, LeadStatus.Sold, price, first.Buyer, first.Contract, payout, null, now, trace, caps, firstSeq, lead.Kpi);
        if (sales.Count > 1)
        {
            var shares = Payouts.Shares(payout, [.. sales.Select(s => s.Value)]);
            finish = finish with
            {
                Sales = [.. sales.Select((s, i) => new LeadSaleRow
                {
                    LeadId = lead.Id, BuyerKey = s.Buyer, ContractKey = s.Contract, Price = s.Price, Payout = shares[i], SoldAt = now,
                })],
            };
        }
        return WriteAsync(finish);
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
        if (result.Winner is not null)
            return SoldAsync(lead, [.. result.Sales.Select(Sale.Of)], trace, result.CapIncrements, firstSeq, publisher);
        var reason = !campaign.Config.Active ? CampaignPaused
            : trace.Any(s => s.Kind == TraceKinds.Post) ? "every buyer that bid rejected the lead"
            : "no buyer bid above the floor";
        return UnsoldAsync(lead, reason, trace, firstSeq);
    }

    public const string CampaignPaused = "campaign is paused";

    // What one buyer pays (`Price`) and what the payout goes by (`Value`, after price rules).
    public sealed record Sale(string Buyer, string Contract, decimal Price, decimal Value)
    {
        public static Sale Of(Offer o) => new(o.Contract.Buyer.Key, o.Contract.Key, o.Price, o.Value);
    }

    private async Task<LeadFinish> WriteAsync(LeadFinish finish)
    {
        crash.Reached(CrashPoints.BeforeFinish);
        await writer.FinishAsync(finish);
        return finish;
    }
}
