using System.Text.Json.Nodes;
using LeadHub.Core.Delivery;
using LeadHub.Core.Leads;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Telemetry;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Lab;

// One step of a recorded trace, as much of it as a replay reads.
public sealed record RecordedStep(string Kind, string? Buyer, string? Contract, string Outcome, decimal? Bid, int? LatencyMs,
    string? Reason, DateTimeOffset At);

// A recorded lead that was routed (sold, unsold or returned) with what it earned and its trace.
// Revenue is what the buyers paid at the sale (a returned lead counts as sold: a replay cannot know
// returns of another buyer); Payout what the publisher was paid for it.
public sealed record RecordedLead(Guid Id, string Publisher, string? SubId, JsonObject Fields, DateTimeOffset ReceivedAt,
    string Status, string? Contract, decimal Revenue, decimal Payout, IReadOnlyList<RecordedStep> Steps)
{
    public bool Sold => Status is LeadStatus.Sold or LeadStatus.Returned;
}

// What a replay's arm did to one lead.
public readonly record struct LeadOutcome(bool Sold, string? Contract, decimal Revenue, decimal Payout, int Posts, int Rejected,
    int UnknownPings, int UnknownPosts);

// Figures of one arm: counts and sums as they accumulate, and the estimates with 95 % intervals.
public sealed class ArmTally
{
    public long Leads, Sold, Posts, Rejected;
    public Sample Revenue = Sample.Empty, Margin = Sample.Empty;
    public decimal Payout;

    public void Add(LeadOutcome o)
    {
        Leads++;
        if (o.Sold) Sold++;
        Posts += o.Posts;
        Rejected += o.Rejected;
        Revenue = Revenue.Add(o.Revenue);
        Margin = Margin.Add(o.Revenue - o.Payout);
        Payout += o.Payout;
    }

    public ArmFigures Figures() => new(Leads, Sold, Significance.RateOf(Sold, Leads), Revenue.Sum, Significance.MeanOf(Revenue),
        Posts, Rejected, Significance.RateOf(Rejected, Posts), Payout, Margin.Sum, Significance.MeanOf(Margin));
}

public sealed record ArmFigures(long Leads, long Sold, Estimate SellThrough, decimal Revenue, Estimate RevenuePerLead,
    long Posts, long RejectedPosts, Estimate RejectRate, decimal Payout, decimal Margin, Estimate MarginPerLead);

// What the recording could not answer, over the whole replay (the expected-figure run).
public sealed record ReplayUnknowns(long LeadsWithUnknownPing, long UnknownPings, long LeadsWithUnknownPost, long UnknownPosts);

// A replay's answer: what happened ("recorded") beside what the plan would have earned ("plan", with
// unknown posts accepted at each contract's recorded rate), the plan's revenue range over the
// unknowns, the differences with their intervals, and the caveats in plain words.
public sealed record ReplayResult(
    ArmFigures Recorded,
    ArmFigures Plan,
    decimal PlanRevenueLow,
    decimal PlanRevenueHigh,
    Comparison RevenuePerLeadDifference,
    Comparison SellThroughDifference,
    Comparison RejectRateDifference,
    long LeadsSoldDifferently,
    ReplayUnknowns Unknowns,
    bool EnoughData,
    IReadOnlyList<string> Caveats)
{
    public decimal PlanRevenuePerLeadLow => Plan.Leads == 0 ? 0 : PlanRevenueLow / Plan.Leads;
    public decimal PlanRevenuePerLeadHigh => Plan.Leads == 0 ? 0 : PlanRevenueHigh / Plan.Leads;
}

// The replay itself, without a database: recorded leads in, in the order they came, a ReplayResult out.
// The campaign is today's configuration with the plan over it (not the one of the day a lead came):
// a replay answers "what would this plan earn", with the buyers, contracts and filters as they are now.
//
// Three runs ("worlds") go side by side, each with its own virtual clock, in-memory cap ledger (starting
// empty at the range's start, never the live caps), fresh BuyerHealth (circuits and ping rate limits on
// virtual time) and RecentRejects/ContractOdds fed by its own replayed posts; nothing live is read or
// written. They differ only in what an unknown post does: rejected (the range's low end), accepted (its
// high end), accepted at the contract's recorded acceptance rate (the plan's figures).
public sealed class ReplaySimulation
{
    private readonly CampaignSnapshot _campaign;
    private readonly RoutingSnapshot _snapshot;
    private readonly World[] _worlds;
    private readonly ArmTally _recorded = new();
    private long _soldDifferently, _leadsWithUnknownPing, _unknownPings, _leadsWithUnknownPost, _unknownPosts;

    // `acceptRates`: contract key → its recorded share of posts accepted in the range (RecordedAcceptRates).
    public ReplaySimulation(RoutingSnapshot snapshot, string campaign, RoutingPlan plan, IReadOnlyDictionary<string, double> acceptRates)
    {
        _snapshot = snapshot;
        var config = snapshot.Campaigns[campaign].Config;
        // In the order the live snapshot has them, so contracts of equal priority are asked in the same order as live.
        var live = snapshot.Campaigns[campaign].Tiers.SelectMany(t => t.Contracts).Select((c, i) => (c.Key, i))
            .ToDictionary(x => x.Key, x => x.i);
        var contracts = snapshot.Contracts.Values.Where(c => c.Config.Campaign == campaign)
            .OrderBy(c => live.GetValueOrDefault(c.Key, int.MaxValue)).ThenBy(c => c.Key, StringComparer.Ordinal).ToList();
        _campaign = new CampaignSnapshot(plan.Apply(config), contracts, plan);
        _worlds = [new World(UnknownPosts.AtRecordedRate, acceptRates), new World(UnknownPosts.Rejected, acceptRates),
            new World(UnknownPosts.Accepted, acceptRates)];
    }

    public long Leads => _recorded.Leads;

    // Replays one page of leads (in the order they came) in all three worlds, two at a time on this machine.
    public void Add(IReadOnlyList<RecordedLead> page)
    {
        var outcomes = new LeadOutcome[_worlds.Length][];
        Parallel.For(0, _worlds.Length, w => outcomes[w] = _worlds[w].Run(page, _campaign, _snapshot));
        for (var i = 0; i < page.Count; i++)
        {
            var lead = page[i];
            var recorded = RecordedOutcome(lead);
            _recorded.Add(recorded);
            var plan = outcomes[0][i];
            if (plan.Sold != recorded.Sold || plan.Contract != recorded.Contract || plan.Revenue != recorded.Revenue) _soldDifferently++;
            if (plan.UnknownPings > 0) _leadsWithUnknownPing++;
            if (plan.UnknownPosts > 0) _leadsWithUnknownPost++;
            _unknownPings += plan.UnknownPings;
            _unknownPosts += plan.UnknownPosts;
        }
    }

    // One lead's plan outcome in the expected-figure world (tests compare it with what happened live).
    public LeadOutcome ReplayOne(RecordedLead lead)
    {
        var o = _worlds[0].Run([lead], _campaign, _snapshot)[0];
        _recorded.Add(RecordedOutcome(lead));
        return o;
    }

    public static LeadOutcome RecordedOutcome(RecordedLead lead)
    {
        int posts = 0, rejected = 0;
        foreach (var s in lead.Steps)
        {
            if (s.Kind != TraceKinds.Post) continue;
            if (s.Outcome == TraceOutcomes.Accepted) posts++;
            else if (TraceOutcomes.Rejections.Contains(s.Outcome)) { posts++; rejected++; }
        }
        return new LeadOutcome(lead.Sold, lead.Sold ? lead.Contract : null, lead.Sold ? lead.Revenue : 0, lead.Sold ? lead.Payout : 0,
            posts, rejected, 0, 0);
    }

    public ReplayResult Result()
    {
        var recorded = _recorded.Figures();
        var plan = _worlds[0].Tally.Figures();
        var revenues = _worlds.Select(w => w.Tally.Revenue.Sum).ToList();
        var rpl = Significance.CompareMeans(_recorded.Revenue, _worlds[0].Tally.Revenue);
        var sellThrough = Significance.CompareRates(recorded.Sold, recorded.Leads, plan.Sold, plan.Leads);
        var rejects = Significance.CompareRates(recorded.RejectedPosts, recorded.Posts, plan.RejectedPosts, plan.Posts) with { LowerIsBetter = true };
        var unknowns = new ReplayUnknowns(_leadsWithUnknownPing, _unknownPings, _leadsWithUnknownPost, _unknownPosts);
        return new ReplayResult(recorded, plan, revenues.Min(), revenues.Max(), rpl, sellThrough, rejects, _soldDifferently, unknowns,
            rpl.EnoughData, Caveats(unknowns));
    }

    private static List<string> Caveats(ReplayUnknowns u)
    {
        var caveats = new List<string>
        {
            "Replayed with today's configuration (buyers, contracts, filters, price rules) under the plan, not the configuration of the day each lead came.",
            "Buyers answer with what they answered then: the same bid, the same post outcome, the same latency.",
            "Caps start empty at the start of the range; returns after the sale are not replayed (a returned lead counts as sold).",
        };
        if (u.UnknownPings > 0)
            caveats.Add($"{u.UnknownPings} ping(s) on {u.LeadsWithUnknownPing} lead(s) went to a contract that was never pinged for that lead: no bid is known, so none is assumed (even at the optimistic end).");
        if (u.UnknownPosts > 0)
            caveats.Add($"{u.UnknownPosts} post(s) on {u.LeadsWithUnknownPost} lead(s) went to a contract never posted that lead: the plan's revenue is a range, rejected at the low end, accepted at its bid at the high end, and accepted at the contract's recorded acceptance rate in the plan's figures.");
        return caveats;
    }

    // One replay run with its own clock, caps, health and reject history (see the class comment).
    private sealed class World
    {
        private readonly ReplayClock _clock = new(DateTimeOffset.UnixEpoch);
        private readonly RecordedTransport _transport;
        private readonly Auction _auction;
        public readonly ArmTally Tally = new();

        public World(UnknownPosts unknownPosts, IReadOnlyDictionary<string, double> acceptRates)
        {
            _transport = new RecordedTransport(_clock, unknownPosts, acceptRates);
            var rejects = new RecentRejects();
            var muted = LeadHubMetrics.Muted;
            LeadHubMetrics.Muted = true;
            var health = new BuyerHealth(_clock);
            LeadHubMetrics.Muted = muted;
            _auction = new Auction(_transport, new InMemoryCapLedger(), rejects, health, _clock, journal: null, new ContractOdds(rejects));
        }

        public LeadOutcome[] Run(IReadOnlyList<RecordedLead> leads, CampaignSnapshot campaign, RoutingSnapshot snapshot)
        {
            var outcomes = new LeadOutcome[leads.Count];
            var muted = LeadHubMetrics.Muted;
            LeadHubMetrics.Muted = true;
            try
            {
                for (var i = 0; i < leads.Count; i++)
                {
                    outcomes[i] = RunOne(leads[i], campaign, snapshot);
                    Tally.Add(outcomes[i]);
                }
            }
            finally
            {
                LeadHubMetrics.Muted = muted;
            }
            return outcomes;
        }

        private LeadOutcome RunOne(RecordedLead lead, CampaignSnapshot campaign, RoutingSnapshot snapshot)
        {
            _transport.Load(lead);
            var auctionLead = new AuctionLead(lead.Id, "replay-" + lead.Id.ToString("N"), campaign, lead.Fields,
                campaign.PingFieldsOf(lead.Fields), Test: false, lead.ReceivedAt)
            {
                SuppressedFor = SuppressedFor(lead),
                Publisher = lead.Publisher,
                SubId = lead.SubId,
            };
            // The auction started when its first step was recorded (a few ms after intake received the lead).
            var start = lead.Steps.Count > 0 ? lead.Steps[0].At : lead.ReceivedAt;
            var result = _clock.Run(start, () => _auction.RunAsync(auctionLead, null, CancellationToken.None));
            int posts = 0, rejected = 0;
            foreach (var s in result.Trace)
            {
                if (s.Kind != TraceKinds.Post) continue;
                if (s.Outcome == TraceOutcomes.Accepted) posts++;
                else if (TraceOutcomes.Rejections.Contains(s.Outcome)) { posts++; rejected++; }
            }
            var sales = result.Sales;
            var revenue = sales.Sum(s => s.Price);
            var payout = 0m;
            if (sales.Count > 0 && snapshot.Publishers.TryGetValue(lead.Publisher, out var publisher))
                payout = Payouts.For(publisher.PayoutFor(campaign.Key, lead.SubId), sales.Sum(s => s.Value), revenue);
            return new LeadOutcome(sales.Count > 0, result.Winner?.Contract.Key, revenue, payout, posts, rejected,
                _transport.UnknownPings, _transport.UnknownPostCount);
        }

        // A buyer's suppression list that named the lead then still names it (the trace says which).
        private static Dictionary<string, string>? SuppressedFor(RecordedLead lead)
        {
            Dictionary<string, string>? found = null;
            foreach (var s in lead.Steps)
            {
                if (s.Outcome == TraceOutcomes.Skipped && s.Buyer is not null && s.Reason?.StartsWith("suppressed by list ", StringComparison.Ordinal) == true)
                    (found ??= [])[s.Buyer] = s.Reason["suppressed by list ".Length..];
            }
            return found;
        }
    }
}
