using System.Globalization;
using System.Text.Json.Nodes;
using LeadHub.Core.Delivery;
using LeadHub.Core.Telemetry;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Routing;

// A price one contract offers for the lead: a bid from a ping or a direct-post fixed price, with
// what the contract's rules captured from its ping answer for the post.
// `Price` is what the buyer is posted and billed; `Value` what floors and ranking go by (the price
// after the campaign's price rules, README "Price rules"). A `Shared` offer is for a shared sale.
public sealed record Offer(ContractSnapshot Contract, int Tier, decimal Price, DateTimeOffset At,
    IReadOnlyDictionary<string, string>? Captured = null)
{
    private readonly decimal? _value;
    public decimal Value { get => _value ?? Price; init => _value = value; }
    public bool Shared { get; init; }
}

// What the auction needs to know of a lead. PingFields are the non-PII fields, the only ones
// a ping may carry.
public sealed record AuctionLead(
    Guid LeadId,
    string PingId,
    CampaignSnapshot Campaign,
    JsonObject Fields,
    JsonObject PingFields,
    bool Test,
    DateTimeOffset ReceivedAt,
    int TraceBase = 0) // where this auction's first trace step lands in the lead's stored trace
{
    // Awaited before the first post: pings carry no PII and may go out while the lead is still
    // being stored; a post waits until it is stored, and none goes out if it turned out a
    // duplicate or a repeat (false). Null: the lead is stored already (recovery, a publisher's ping).
    public Func<Task<bool>>? Stored { get; init; }

    // Buyers whose own suppression lists name this lead (buyer key → list name): their contracts are skipped.
    public IReadOnlyDictionary<string, string>? SuppressedFor { get; init; }
    // Who sent the lead, for the campaign's price rules. Null: no publisher- or sub-id-scoped rule applies.
    public string? Publisher { get; init; }
    public string? SubId { get; init; }
}

// Bids held from a publisher's ping (two-step ping/post), by the tiers that were pinged, with
// their captured values: the post to that buyer still carries its own ping's token.
public sealed record HeldBid(string Contract, int Tier, decimal Price, DateTimeOffset At,
    IReadOnlyDictionary<string, string>? Captured = null, bool Shared = false);

public sealed record PingHold(IReadOnlyList<int> PingedTiers, IReadOnlyList<HeldBid> Bids);

// Abandoned: the lead was not stored as one to route (a duplicate or a repeat): nothing was posted.
// Winner: the first (or only) sale; Sales: every sale, several when the lead sold shared.
public sealed record AuctionResult(Offer? Winner, IReadOnlyList<TraceStep> Trace, IReadOnlyList<CapIncrement> CapIncrements,
    bool Abandoned = false)
{
    private readonly IReadOnlyList<Offer>? _sales;
    public IReadOnlyList<Offer> Sales { get => _sales ?? (Winner is null ? [] : [Winner]); init => _sales = value; }
}

public sealed record PingPhaseResult(IReadOnlyList<Offer> Offers, IReadOnlyList<int> PingedTiers, IReadOnlyList<TraceStep> Trace);

// Exactly-once selling across crashes: the intent to post is durable before the post leaves,
// its outcome is recorded after. `seq` is the post step's place in the lead's stored trace.
public interface IPostJournal
{
    Task BeforePostAsync(AuctionLead lead, Offer offer, int seq);
    void AfterPost(AuctionLead lead, Offer offer, int seq, string outcome);
}

// The auction of CONTRACT §3.3–3.6: tiers in order; inside a tier every eligible contract at
// once; the best offer is posted, then the next on rejection; caps reserved around each post.
public sealed class Auction(IBuyerTransport transport, ICapLedger caps, RecentRejects rejects, BuyerHealth health, TimeProvider time,
    IPostJournal? journal = null, IContractOdds? odds = null)
{
    private readonly IContractOdds _odds = odds ?? new ContractOdds(rejects);

    public async Task<AuctionResult> RunAsync(AuctionLead lead, PingHold? hold, CancellationToken ct)
    {
        var trace = new List<TraceStep>();
        // A split's arm is named first, so every lead's trace says which plan routed it.
        if (lead.Campaign.Arm is { } arm)
            trace.Add(Note(null, $"routed by plan {arm} of split {lead.Campaign.SplitId}"));
        // A publisher's two-step ping already asked every buyer at once: its held bids are auctioned.
        if (lead.Campaign.IsWaterfall && hold is null) return await RunWaterfallAsync(lead, trace, ct);
        var deadline = lead.ReceivedAt + lead.Campaign.AuctionTimeout;
        var maxAttempts = Math.Max(1, lead.Campaign.Config.MaxPostAttempts);

        foreach (var tier in lead.Campaign.Tiers)
        {
            var held = hold is not null && hold.PingedTiers.Contains(tier.Tier)
                ? hold.Bids.Where(b => b.Tier == tier.Tier).ToLookup(b => b.Contract)
                : null;
            var offers = await CollectOffersAsync(lead, tier, deadline, held, trace, ct);
            var plan = Plan(offers, lead.Campaign.MaxSharedBuyers, lead.Campaign.RanksByExpectedValue);
            if (plan.Note is not null) trace.Add(Note(tier.Tier, plan.Note));
            if (lead.Campaign.RanksByExpectedValue && offers.Count > 1) trace.Add(Note(tier.Tier, ExpectedValueNote(plan)));

            // Posts the buyer did not take count against maxPostAttempts; sales do not.
            var failed = 0;
            var rejectedBuyers = new HashSet<string>(StringComparer.Ordinal);
            var attemptsNoted = false;
            var sales = new List<(Offer Offer, CapReservation Slot)>();
            // The chosen way first; when it sells nothing, the other way with the attempts left.
            foreach (var (candidates, shared) in plan.SharedFirst
                         ? new[] { (plan.Shared, true), (plan.Exclusive, false) }
                         : [(plan.Exclusive, false), (plan.Shared, true)])
            {
                var maxSales = shared ? lead.Campaign.MaxSharedBuyers : 1;
                foreach (var candidate in candidates)
                {
                    if (sales.Count == maxSales) break;
                    if (failed == maxAttempts)
                    {
                        if (!attemptsNoted) trace.Add(Note(tier.Tier, $"max post attempts ({maxAttempts}) reached in tier {tier.Tier}"));
                        attemptsNoted = true;
                        break;
                    }
                    // A shared lead is never offered twice to one buyer, nor again to a buyer that rejected it.
                    if (shared && (rejectedBuyers.Contains(candidate.Contract.Buyer.Key)
                                   || sales.Any(x => x.Offer.Contract.Buyer.Key == candidate.Contract.Buyer.Key)))
                        continue;
                    // The auction timeout bounds a shared set too: once one buyer has it, no new post starts late.
                    if (sales.Count > 0 && time.GetUtcNow() >= deadline)
                    {
                        trace.Add(Note(tier.Tier, $"auction deadline passed: the lead stays shared with {sales.Count} buyer(s)"));
                        break;
                    }
                    var offer = await RefreshIfStaleAsync(lead, tier, candidate, deadline, trace, ct);
                    if (offer is null) continue;
                    var (tried, reservation) = await TryPostAsync(lead, offer, trace, ct);
                    switch (tried)
                    {
                        case PostTry.Abandoned:
                            return new AuctionResult(null, trace, [], Abandoned: true);
                        case PostTry.Accepted:
                            sales.Add((offer, reservation!));
                            break;
                        case PostTry.Rejected:
                            failed++;
                            if (shared) rejectedBuyers.Add(offer.Contract.Buyer.Key);
                            break;
                    }
                }
                // Once a shared post is accepted the lead is shared: it is never then sold exclusive,
                // even if the shared set ends up earning less than the best exclusive offer would have.
                if (sales.Count > 0)
                    return new AuctionResult(sales[0].Offer, trace, [.. sales.SelectMany(x => caps.Commit(x.Slot))])
                        { Sales = [.. sales.Select(x => x.Offer)] };
            }
        }
        return new AuctionResult(null, trace, []);
    }

    // The two ways to sell what a tier offered: the exclusive offers in rank order, and the shared
    // offers (the best per buyer) in rank order. Shared goes first when its top N earn more than the
    // best exclusive offer; a tie stays exclusive (one post, and what exclusive buyers pay for).
    public sealed record SalePlan(IReadOnlyList<Offer> Exclusive, IReadOnlyList<Offer> Shared, bool SharedFirst, decimal Expected, string? Note);

    public SalePlan Plan(IReadOnlyList<Offer> offers, int maxSharedBuyers, bool byExpectedValue = false)
    {
        var exclusive = Rank(offers.Where(o => !o.Shared), byExpectedValue).ToList();
        if (maxSharedBuyers < 2 || !offers.Any(o => o.Shared))
            return new SalePlan(exclusive, [], false, exclusive.FirstOrDefault()?.Value ?? 0, null);
        var shared = Rank(offers.Where(o => o.Shared), byExpectedValue).DistinctBy(o => o.Contract.Buyer.Key, StringComparer.Ordinal).ToList();
        var sharedSum = shared.Take(maxSharedBuyers).Sum(o => o.Value);
        var best = exclusive.FirstOrDefault()?.Value ?? 0;
        var count = Math.Min(maxSharedBuyers, shared.Count);
        var sharedFirst = sharedSum > best;
        var note = sharedFirst
            ? Invariant($"selling shared: {count} shared offer(s) earn {sharedSum:0.00}, more than the best exclusive {best:0.00}")
            : Invariant($"selling exclusive: the best exclusive offer {best:0.00} earns at least the {count} shared offer(s) ({sharedSum:0.00})");
        return new SalePlan(exclusive, shared, sharedFirst, Math.Max(sharedSum, best), note);
    }

    // Cheap after the first time: the task is completed.
    private static async Task<bool> IsStoredAsync(AuctionLead lead) => lead.Stored is null || await lead.Stored();

    private enum PostTry { Accepted, Rejected, CapReached, Abandoned }

    // One post with its cap slot: reserved before, kept when the buyer takes it, released when not.
    private async Task<(PostTry, CapReservation?)> TryPostAsync(AuctionLead lead, Offer offer, List<TraceStep> trace, CancellationToken ct)
    {
        if (!await IsStoredAsync(lead)) return (PostTry.Abandoned, null);
        var reservation = lead.Test ? new CapReservation([], offer.Price) : await caps.TryReserveAsync(offer.Contract, offer.Price, time.GetUtcNow());
        if (reservation is null)
        {
            LeadHubMetrics.CapRefused(offer.Contract.Key);
            trace.Add(Step(TraceKinds.Post, offer, TraceOutcomes.Skipped, "cap reached before post", null));
            return (PostTry.CapReached, null);
        }
        var result = await JournaledPostAsync(lead, offer, trace.Count, ct);
        trace.Add(result.Step);
        rejects.Record(offer.Contract.Key, rejected: !result.Accepted);
        if (result.Accepted) return (PostTry.Accepted, reservation);
        await caps.ReleaseAsync(reservation);
        return (PostTry.Rejected, null);
    }

    // The static ping tree the parallel auction replaces (strategy `waterfall`): tiers in order, in a
    // tier one contract at a time by priority; each is pinged alone (a direct post offers its fixed
    // price) and the first offer above the floors is posted; a rejection moves on to the next contract,
    // up to maxPostAttempts per tier. Pings run one after another inside the same auction timeout, so
    // late contracts may never be asked. Exclusive sales only.
    private async Task<AuctionResult> RunWaterfallAsync(AuctionLead lead, List<TraceStep> trace, CancellationToken ct)
    {
        var deadline = lead.ReceivedAt + lead.Campaign.AuctionTimeout;
        var maxAttempts = Math.Max(1, lead.Campaign.Config.MaxPostAttempts);
        trace.Add(Note(null, "waterfall: contracts asked one at a time by priority"));
        foreach (var tier in lead.Campaign.Tiers)
        {
            var failed = 0;
            foreach (var contract in tier.Contracts)
            {
                if (contract.Config.Sandbox != lead.Test) continue;
                if (failed == maxAttempts)
                {
                    trace.Add(Note(tier.Tier, $"max post attempts ({maxAttempts}) reached in tier {tier.Tier}"));
                    break;
                }
                var now = time.GetUtcNow();
                var kind = contract.IsDirectPost ? TraceKinds.Post : TraceKinds.Ping;
                // A waterfall sells exclusive only: a shared-only contract has nothing to offer it, so it is not pinged.
                var skip = WhyIneligible(contract, lead, now)
                           ?? (contract.Config.SellsExclusive ? null : "sells shared only; a waterfall sells exclusive")
                           ?? health.Admit(contract);
                if (skip is not null)
                {
                    trace.Add(new TraceStep(kind, contract.Buyer.Key, contract.Key, tier.Tier, TraceOutcomes.Skipped, null, null, skip, null, now));
                    continue;
                }
                IReadOnlyList<Offer> found;
                if (contract.IsDirectPost)
                {
                    (found, var why) = OffersOf(lead, contract, tier, contract.Config.Price ?? 0, null, now, null);
                    if (why is not null)
                        trace.Add(new TraceStep(kind, contract.Buyer.Key, contract.Key, tier.Tier,
                            found.Count == 0 ? TraceOutcomes.Skipped : TraceOutcomes.Info, null, contract.Config.Price,
                            why.StartsWith("below floor", StringComparison.Ordinal) ? "fixed price " + why : why, null, now));
                }
                else
                {
                    (var step, found) = await PingAsync(lead, contract, tier, deadline, ct);
                    trace.Add(step);
                }
                if (found.FirstOrDefault(o => !o.Shared) is not { } offer) continue;
                var (tried, reservation) = await TryPostAsync(lead, offer, trace, ct);
                if (tried == PostTry.Abandoned) return new AuctionResult(null, trace, [], Abandoned: true);
                if (tried == PostTry.Accepted) return new AuctionResult(offer, trace, [.. caps.Commit(reservation!)]);
                if (tried == PostTry.Rejected) failed++;
            }
        }
        return new AuctionResult(null, trace, []);
    }

    // Expected-value ranking in the trace: the top offers with the odds that ordered them.
    private string ExpectedValueNote(SalePlan plan) =>
        "ranked by expected value: " + string.Join("; ", plan.Exclusive.Concat(plan.Shared).Take(4).Select(o =>
        {
            var odds = _odds.Of(o.Contract.Key);
            return Invariant($"{o.Contract.Key} {o.Value:0.00} × {odds.Accept:0.00} accepted × {odds.Kept:0.00} kept = {ExpectedValue(o):0.00}");
        }));

    public decimal ExpectedValue(Offer offer) => offer.Value * (decimal)_odds.Of(offer.Contract.Key).Factor;

    // The first half of an auction for a publisher's ping: collect offers tier by tier until
    // one tier has any, post nothing. The bids are then held for the publisher's post.
    public async Task<PingPhaseResult> PingOnlyAsync(AuctionLead lead, CancellationToken ct)
    {
        var trace = new List<TraceStep>();
        var tiers = new List<int>();
        var deadline = lead.ReceivedAt + lead.Campaign.AuctionTimeout;
        foreach (var tier in lead.Campaign.Tiers)
        {
            tiers.Add(tier.Tier);
            var offers = await CollectOffersAsync(lead, tier, deadline, null, trace, ct);
            if (offers.Count > 0) return new PingPhaseResult(Rank(offers, lead.Campaign.RanksByExpectedValue).ToList(), tiers, trace);
        }
        return new PingPhaseResult([], tiers, trace);
    }

    private async Task<List<Offer>> CollectOffersAsync(AuctionLead lead, TierSnapshot tier, DateTimeOffset deadline,
        ILookup<string, HeldBid>? held, List<TraceStep> trace, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var offers = new List<Offer>();
        var pings = new List<Task<(TraceStep Step, IReadOnlyList<Offer> Offers)>>();
        foreach (var contract in tier.Contracts)
        {
            if (contract.Config.Sandbox != lead.Test) continue;
            var skip = WhyIneligible(contract, lead, now);
            if (skip is not null)
            {
                trace.Add(new TraceStep(TraceKinds.Ping, contract.Buyer.Key, contract.Key, tier.Tier, TraceOutcomes.Skipped,
                    null, null, skip, null, now));
                continue;
            }
            if (held is null || contract.IsDirectPost)
            {
                // Held bids need no ping, so only fresh pings and direct posts face the health checks.
                var unhealthy = health.Admit(contract);
                if (unhealthy is not null)
                {
                    trace.Add(new TraceStep(contract.IsDirectPost ? TraceKinds.Post : TraceKinds.Ping, contract.Buyer.Key, contract.Key,
                        tier.Tier, TraceOutcomes.Skipped, null, null, unhealthy, null, now));
                    continue;
                }
            }
            if (contract.IsDirectPost)
            {
                var (fixedOffers, why) = OffersOf(lead, contract, tier, contract.Config.Price ?? 0, contract.Config.SharedPrice, now, null);
                offers.AddRange(fixedOffers);
                if (why is not null)
                    trace.Add(new TraceStep(TraceKinds.Post, contract.Buyer.Key, contract.Key, tier.Tier,
                        fixedOffers.Count == 0 ? TraceOutcomes.Skipped : TraceOutcomes.Info, null, contract.Config.Price,
                        why.StartsWith("below floor", StringComparison.Ordinal) ? "fixed price " + why : why, null, now));
                continue;
            }
            if (held is not null)
            {
                // Buyers that passed on the publisher's ping are not asked again; the price rules in place now apply.
                foreach (var bid in held[contract.Key])
                {
                    var (value, _) = lead.Campaign.PriceRules.Apply(bid.Price, lead.Publisher, lead.SubId, contract);
                    if (IsAboveFloors(contract, tier, value))
                        offers.Add(new Offer(contract, tier.Tier, bid.Price, bid.At, bid.Captured) { Value = value, Shared = bid.Shared });
                }
                continue;
            }
            pings.Add(PingAsync(lead, contract, tier, deadline, ct));
        }

        foreach (var (step, found) in await Task.WhenAll(pings))
        {
            trace.Add(step);
            offers.AddRange(found);
        }
        return offers;
    }

    private async Task<(TraceStep, IReadOnlyList<Offer>)> PingAsync(AuctionLead lead, ContractSnapshot contract, TierSnapshot tier,
        DateTimeOffset deadline, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var at = time.GetUtcNow();
        var remaining = deadline - at;
        if (remaining <= TimeSpan.Zero)
            return (new TraceStep(TraceKinds.Ping, contract.Buyer.Key, contract.Key, tier.Tier, TraceOutcomes.Skipped,
                null, null, "auction deadline passed", null, at), []);

        var budget = remaining < contract.PingTimeout ? remaining : contract.PingTimeout;
        using var timeout = new CancellationTokenSource(budget, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        PingResult result;
        try
        {
            result = await transport.PingAsync(contract, new PingRequest(lead.PingId, lead.Campaign.Key, lead.PingFields), linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            result = PingResult.TimedOut();
        }
        var latency = Milliseconds(started);
        if (result.Outcome is PingOutcome.Timeout or PingOutcome.Error) health.RecordFailure(contract, isPost: false);
        else health.RecordAnswer(contract);
        var outcome = result.Outcome switch
        {
            PingOutcome.Bid => TraceOutcomes.Bid,
            PingOutcome.Pass => TraceOutcomes.Pass,
            PingOutcome.Timeout => TraceOutcomes.Timeout,
            _ => TraceOutcomes.Error,
        };
        LeadHubMetrics.Ping(contract.Buyer.Key, outcome);
        var reason = result.Outcome == PingOutcome.Timeout ? $"no answer within {(int)budget.TotalMilliseconds} ms" : result.Reason;
        IReadOnlyList<Offer> offers = [];
        if (result.Outcome == PingOutcome.Bid)
        {
            // A shared-only contract's bid is its shared bid; a `both` contract's shared bid is the
            // answer's own (a format's sharedBid) or the agreed sharedPrice.
            var exclusiveBid = contract.Config.SellsExclusive ? result.Bid : 0;
            var sharedBid = !contract.Config.SellsShared ? null : result.SharedBid ?? (contract.Config.SellsExclusive ? contract.Config.SharedPrice : result.Bid);
            (offers, var why) = OffersOf(lead, contract, tier, exclusiveBid, sharedBid, time.GetUtcNow(), result.Captured);
            if (why is not null) reason = why;
        }
        reason = WithCaptured(reason, result.Captured);
        var bid = result.Outcome == PingOutcome.Bid ? result.Bid : (decimal?)null;
        return (new TraceStep(TraceKinds.Ping, contract.Buyer.Key, contract.Key, tier.Tier, outcome, bid, null, reason, latency, at), offers);
    }

    // The offers one contract makes for its exclusive and shared prices, each after the campaign's
    // price rules and above its floors, with the trace's words for what the rules and floors did.
    private (IReadOnlyList<Offer> Offers, string? Why) OffersOf(AuctionLead lead, ContractSnapshot contract, TierSnapshot tier,
        decimal exclusivePrice, decimal? sharedPrice, DateTimeOffset at, IReadOnlyDictionary<string, string>? captured)
    {
        var offers = new List<Offer>(2);
        var notes = new List<string>(2);
        var shareable = lead.Campaign.MaxSharedBuyers >= 2;
        void Add(decimal price, bool shared)
        {
            var (value, rule) = lead.Campaign.PriceRules.Apply(price, lead.Publisher, lead.SubId, contract);
            var label = shared ? "shared " : "";
            if (rule is not null) notes.Add(shared ? "shared " + rule : rule);
            if (IsAboveFloors(contract, tier, value)) offers.Add(new Offer(contract, tier.Tier, price, at, captured) { Value = value, Shared = shared });
            else notes.Add(Invariant($"{label}{(rule is null ? "" : "value ")}{value:0.00} below floor {FloorOf(contract, tier)}"));
        }
        if (contract.Config.SellsExclusive) Add(exclusivePrice, shared: false);
        if (shareable && contract.Config.SellsShared && sharedPrice is > 0) Add(sharedPrice.Value, shared: true);
        // Without rules or shared prices the words stay what they always were.
        if (notes.Count == 1 && offers.Count == 0 && !shareable && lead.Campaign.PriceRules.IsEmpty)
            return (offers, Invariant($"below floor {FloorOf(contract, tier)}"));
        return (offers, notes.Count == 0 ? null : string.Join("; ", notes));
    }

    // A bid older than the campaign's bidTtl is asked for again before the post (CONTRACT §3.5).
    private async Task<Offer?> RefreshIfStaleAsync(AuctionLead lead, TierSnapshot tier, Offer offer, DateTimeOffset deadline,
        List<TraceStep> trace, CancellationToken ct)
    {
        if (offer.Contract.IsDirectPost || time.GetUtcNow() - offer.At <= lead.Campaign.BidTtl) return offer;
        // The bid is old because the lead waited; its auction deadline is long gone, so give the re-ping its own.
        var (step, fresh) = await PingAsync(lead, offer.Contract, tier, time.GetUtcNow() + offer.Contract.PingTimeout, ct);
        trace.Add(step with { Reason = step.Reason is null ? "re-ping: bid expired" : "re-ping: bid expired; " + step.Reason });
        return fresh.FirstOrDefault(o => o.Shared == offer.Shared);
    }

    // Recovery's re-post to the buyer that may already have the lead (its contract treats a repeated
    // lead id as the same lead): that offer only, no other buyer. The caller holds the cap slot.
    public Task<(TraceStep Step, bool Accepted)> RepostAsync(AuctionLead lead, Offer offer, int traceIndex, CancellationToken ct) =>
        JournaledPostAsync(lead, offer, traceIndex, ct);

    private async Task<(TraceStep Step, bool Accepted)> JournaledPostAsync(AuctionLead lead, Offer offer, int traceIndex, CancellationToken ct)
    {
        var seq = lead.TraceBase + traceIndex;
        if (journal is not null) await journal.BeforePostAsync(lead, offer, seq);
        var result = await PostAsync(lead, offer, ct);
        journal?.AfterPost(lead, offer, seq, result.Step.Outcome);
        return result;
    }

    private async Task<(TraceStep Step, bool Accepted)> PostAsync(AuctionLead lead, Offer offer, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(offer.Contract.PostTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        PostResult result;
        try
        {
            result = await transport.PostAsync(offer.Contract,
                new PostRequest(lead.PingId, lead.LeadId, offer.Price, lead.Fields, offer.Captured), linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            result = PostResult.TimedOut();
        }
        var latency = Milliseconds(started);
        if (result.Outcome is PostOutcome.Timeout or PostOutcome.Error) health.RecordFailure(offer.Contract, isPost: true);
        else health.RecordAnswer(offer.Contract);
        var (outcome, reason) = result.Outcome switch
        {
            PostOutcome.Accepted => (TraceOutcomes.Accepted, result.BuyerLeadId is null ? null : "buyer lead id " + result.BuyerLeadId),
            PostOutcome.Rejected => (TraceOutcomes.Rejected, result.Reason),
            // Whatever the buyer did with a post it did not answer in time, it is not billed.
            PostOutcome.Timeout => (TraceOutcomes.Timeout,
                $"no answer within {(int)offer.Contract.PostTimeout.TotalMilliseconds} ms; not billed"),
            _ => (TraceOutcomes.Error, result.Reason + "; not billed"),
        };
        LeadHubMetrics.Post(offer.Contract.Buyer.Key, outcome, latency);
        return (Step(TraceKinds.Post, offer, outcome, reason, latency), result.Outcome == PostOutcome.Accepted);
    }

    private string? WhyIneligible(ContractSnapshot contract, AuctionLead lead, DateTimeOffset now)
    {
        if (lead.SuppressedFor?.TryGetValue(contract.Buyer.Key, out var list) == true) return "suppressed by list " + list;
        if (!contract.Config.SellsExclusive && lead.Campaign.MaxSharedBuyers < 2) return "sells shared only; the campaign sells exclusive";
        foreach (var filter in contract.Filters)
        {
            if (!filter.Matches(lead.Fields)) return "filter: " + filter.Description;
        }
        if (!contract.Schedule.IsOpen(now)) return "outside schedule: " + contract.Schedule.Description;
        return lead.Test ? null : caps.Reached(contract, now);
    }

    // The trace shows what a ping answer gave the post (buyer ids and tokens, never LeadHub's secrets).
    private static string? WithCaptured(string? reason, IReadOnlyDictionary<string, string>? captured)
    {
        if (captured is not { Count: > 0 }) return reason;
        var text = "captured " + string.Join(", ", captured.Select(p => $"{p.Key}={Shorten(p.Value)}"));
        return reason is null ? text : reason + "; " + text;
    }

    private static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "…";

    // Trace reasons are stored text: numbers read the same whatever the server's culture.
    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static decimal FloorOf(ContractSnapshot contract, TierSnapshot tier) =>
        Math.Max(tier.Floor, contract.Config.MinBid ?? 0);

    private static bool IsAboveFloors(ContractSnapshot contract, TierSnapshot tier, decimal price) =>
        price > 0 && price >= FloorOf(contract, tier);

    // Price (or expected value) first; ties go to the lower priority number, then to the buyer that rejects less.
    private IEnumerable<Offer> Rank(IEnumerable<Offer> offers, bool byExpectedValue = false) => offers
        .OrderByDescending(o => byExpectedValue ? ExpectedValue(o) : o.Value)
        .ThenByDescending(o => o.Value)
        .ThenByDescending(o => o.Price)
        .ThenBy(o => o.Contract.Config.Priority)
        .ThenBy(o => rejects.RateOf(o.Contract.Key))
        .ThenBy(o => o.Contract.Key, StringComparer.Ordinal);

    // A shared sale's post says so in the trace.
    private TraceStep Step(string kind, Offer offer, string outcome, string? reason, int? latency) =>
        new(kind, offer.Contract.Buyer.Key, offer.Contract.Key, offer.Tier, outcome, null, offer.Price,
            offer.Shared ? (reason is null ? "shared sale" : "shared sale; " + reason) : reason, latency, time.GetUtcNow());

    private TraceStep Note(int? tier, string reason) =>
        new(TraceKinds.Note, null, null, tier, TraceOutcomes.Info, null, null, reason, null, time.GetUtcNow());

    private int Milliseconds(long started) => (int)Math.Round(time.GetElapsedTime(started).TotalMilliseconds);
}
