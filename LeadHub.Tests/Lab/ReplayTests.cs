using System.Text.Json.Nodes;
using LeadHub.Core.Delivery;
using LeadHub.Core.Lab;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Routing;

namespace LeadHub.Tests.Lab;

public sealed class ReplayTests
{
    // ---- (a) replay equals live routing when the plan is unchanged ----

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    [InlineData(2026)]
    [InlineData(31337)]
    public async Task Replaying_recorded_traffic_with_an_unchanged_plan_sells_every_lead_as_live_did(int seed)
    {
        var rng = new Random(seed);
        var scenario = RandomScenario(rng);
        var recorded = new List<RecordedLead>();
        for (var i = 0; i < 200; i++)
        {
            // Leads minutes apart, sometimes seconds: caps fill within a day, circuits open and close.
            scenario.Time.Advance(rng.Next(3) == 0 ? TimeSpan.FromSeconds(rng.Next(1, 20)) : TimeSpan.FromMinutes(rng.Next(1, 40)));
            var lead = scenario.Lead(f => f["state"] = rng.Next(3) == 0 ? "TX" : "CA");
            var result = RunLive(scenario, lead);
            recorded.Add(Recorded(lead, result));
        }

        var replay = new ReplaySimulation(scenario.Snapshot, AuctionScenario.CampaignKey, RoutingPlan.Unchanged, new Dictionary<string, double>());
        foreach (var lead in recorded)
        {
            var plan = replay.ReplayOne(lead);
            var live = ReplaySimulation.RecordedOutcome(lead);
            var why = $"seed {seed}, lead at {lead.ReceivedAt:HH:mm:ss.fff}: live {live}, replay {plan}\n" +
                      string.Join("\n", lead.Steps.Select(s => $"  {s.Kind} {s.Contract} {s.Outcome} {s.Bid} {s.LatencyMs}ms {s.Reason}"));
            Assert.True(live.Sold == plan.Sold && live.Contract == plan.Contract && live.Revenue == plan.Revenue, why);
            Assert.True(live.Posts == plan.Posts && live.Rejected == plan.Rejected, why);
            Assert.True(plan.UnknownPings == 0 && plan.UnknownPosts == 0, why);
        }
        var result2 = replay.Result();
        Assert.Equal(0, result2.LeadsSoldDifferently);
        Assert.Equal(result2.Recorded.Revenue, result2.Plan.Revenue);
        Assert.True(recorded.Count(l => l.Sold) > 10, "the random traffic sells some leads");
        Assert.True(recorded.Count(l => !l.Sold) > 5, "the random traffic leaves some leads unsold");
        await Task.CompletedTask;
    }

    // ---- (b) a waterfall replay matches a hand-computed example ----

    // Campaign: auction timeout 800 ms, 3 post attempts, tier 0 floor 5. Contracts a, b, c in tier 0 with
    // priorities 1, 2, 3, each with a 600 ms ping timeout. Recorded under the parallel auction:
    //   L1: a pass (100 ms), b 20 (200 ms), c 15 (300 ms); post b accepted                → sold 20
    //   L2: a 8 (150 ms), b 12 (100 ms), c 9 (100 ms); posts b rejected, c rejected, a accepted → sold 8
    //   L3: a pass (500 ms), b 25 (400 ms), c 7 (50 ms); post b accepted                  → sold 25
    //   L4: a 10 (100 ms), b 30 (100 ms), c pass (100 ms); post b accepted                → sold 30
    // Recorded: revenue 83, RPL 20.75, sell-through 4/4, 6 posts of which 2 rejected.
    // Waterfall by priority (a, then b, then c; each ping starts when the previous one answered):
    //   L1: a passes at 100 ms; b is pinged with 700 ms left (budget 600), bids 20 at 300 ms, accepted → 20
    //   L2: a bids 8 at 150 ms, posted, accepted (as recorded)                          → 8
    //   L3: a passes at 500 ms; b's budget is min(600, 300) = 300 ms but it answers in 400: timeout at
    //       800 ms; c is never asked (deadline passed)                                  → unsold
    //   L4: a bids 10; a was never posted that lead: an unknown post. At a's recorded rate (1.0, as given
    //       here) it is accepted → 10; rejected instead, b is pinged, bids 30, accepted → 30
    // Plan: revenue 20 + 8 + 0 + 10 = 38, RPL 9.50, sell-through 3/4; posts 3, none rejected;
    // range 38 (unknown post accepted) … 58 (rejected); leads sold differently: L3 and L4 = 2; 1 unknown post.
    [Fact]
    public void Replaying_a_waterfall_gives_the_hand_computed_revenue_per_lead_and_sell_through()
    {
        var scenario = new AuctionScenario().WithCampaign(c => c with { AuctionTimeoutMs = 800, MaxPostAttempts = 3 })
            .Contracts(
                AuctionScenario.PingPost("a", priority: 1) with { TimeoutMs = 600 },
                AuctionScenario.PingPost("b", priority: 2) with { TimeoutMs = 600 },
                AuctionScenario.PingPost("c", priority: 3) with { TimeoutMs = 600 });
        var t0 = AuctionScenario.Tuesday3pmUtc;
        RecordedStep Ping(string c, string outcome, decimal? bid, int ms) => new(TraceKinds.Ping, c + "-buyer", c, outcome, bid, ms, null, t0);
        RecordedStep Post(string c, string outcome, int ms = 120) => new(TraceKinds.Post, c + "-buyer", c, outcome, null, ms, null, t0);
        RecordedLead Lead(int n, string winner, decimal price, params RecordedStep[] steps) =>
            new(new Guid(n, 0, 0, new byte[8]), "pub", null, AuctionScenario.ExampleFields(), t0.AddMinutes(n), LeadStatus.Sold, winner, price, 0,
                [.. steps.Select(s => s with { At = t0.AddMinutes(n) })]);
        var leads = new[]
        {
            Lead(1, "b", 20, Ping("a", TraceOutcomes.Pass, null, 100), Ping("b", TraceOutcomes.Bid, 20, 200), Ping("c", TraceOutcomes.Bid, 15, 300),
                Post("b", TraceOutcomes.Accepted)),
            Lead(2, "a", 8, Ping("a", TraceOutcomes.Bid, 8, 150), Ping("b", TraceOutcomes.Bid, 12, 100), Ping("c", TraceOutcomes.Bid, 9, 100),
                Post("b", TraceOutcomes.Rejected), Post("c", TraceOutcomes.Rejected), Post("a", TraceOutcomes.Accepted)),
            Lead(3, "b", 25, Ping("a", TraceOutcomes.Pass, null, 500), Ping("b", TraceOutcomes.Bid, 25, 400), Ping("c", TraceOutcomes.Bid, 7, 50),
                Post("b", TraceOutcomes.Accepted)),
            Lead(4, "b", 30, Ping("a", TraceOutcomes.Bid, 10, 100), Ping("b", TraceOutcomes.Bid, 30, 100), Ping("c", TraceOutcomes.Pass, null, 100),
                Post("b", TraceOutcomes.Accepted)),
        };

        var replay = new ReplaySimulation(scenario.Snapshot, AuctionScenario.CampaignKey,
            new RoutingPlan { Strategy = RoutingStrategies.Waterfall }, new Dictionary<string, double> { ["a"] = 1.0 });
        replay.Add(leads);
        var result = replay.Result();

        Assert.Equal(83m, result.Recorded.Revenue);
        Assert.Equal(20.75, result.Recorded.RevenuePerLead.Value, 6);
        Assert.Equal(1.0, result.Recorded.SellThrough.Value, 6);
        Assert.Equal((6, 2), (result.Recorded.Posts, result.Recorded.RejectedPosts));

        Assert.Equal(38m, result.Plan.Revenue);
        Assert.Equal(9.50, result.Plan.RevenuePerLead.Value, 6);
        Assert.Equal(0.75, result.Plan.SellThrough.Value, 6);
        Assert.Equal((3, 0), (result.Plan.Posts, result.Plan.RejectedPosts));
        Assert.Equal((38m, 58m), (result.PlanRevenueLow, result.PlanRevenueHigh));
        Assert.Equal(2, result.LeadsSoldDifferently);
        Assert.Equal(new ReplayUnknowns(0, 0, 1, 1), result.Unknowns);
        Assert.False(result.EnoughData);
    }

    // ---- (c) what the recording cannot know ----

    [Fact]
    public void A_contract_added_after_the_leads_came_has_no_bid_and_a_never_posted_buyer_makes_the_revenue_a_range()
    {
        // Recorded with contracts a and b; "d" was removed then added again: it was never pinged for these leads.
        var scenario = new AuctionScenario().Contracts(
            AuctionScenario.PingPost("a", priority: 1), AuctionScenario.PingPost("b", priority: 2), AuctionScenario.PingPost("d", priority: 3));
        var t0 = AuctionScenario.Tuesday3pmUtc;
        var leads = Enumerable.Range(1, 10).Select(n => new RecordedLead(new Guid(n, 0, 0, new byte[8]), "pub", null,
            AuctionScenario.ExampleFields(), t0.AddMinutes(n), LeadStatus.Sold, "b", 20, 0,
            [
                new RecordedStep(TraceKinds.Ping, "a-buyer", "a", TraceOutcomes.Bid, 12, 50, null, t0.AddMinutes(n)),
                new RecordedStep(TraceKinds.Ping, "b-buyer", "b", TraceOutcomes.Bid, 20, 50, null, t0.AddMinutes(n)),
                new RecordedStep(TraceKinds.Post, "b-buyer", "b", TraceOutcomes.Accepted, null, 80, null, t0.AddMinutes(n)),
            ])).ToList();

        var unchanged = new ReplaySimulation(scenario.Snapshot, AuctionScenario.CampaignKey, RoutingPlan.Unchanged, new Dictionary<string, double>());
        unchanged.Add(leads);
        var same = unchanged.Result();
        Assert.Equal(new ReplayUnknowns(10, 10, 0, 0), same.Unknowns);
        Assert.Equal(200m, same.Plan.Revenue);
        Assert.Equal((200m, 200m), (same.PlanRevenueLow, same.PlanRevenueHigh));
        Assert.Contains(same.Caveats, c => c.Contains("10 ping(s) on 10 lead(s)") && c.Contains("no bid is known"));

        // Without b, a (never posted then) gets the post: rejected → 0, accepted → 12 a lead.
        var withoutB = new ReplaySimulation(scenario.Snapshot, AuctionScenario.CampaignKey, new RoutingPlan { RemoveContracts = ["b"] },
            new Dictionary<string, double> { ["a"] = 0.5 });
        withoutB.Add(leads);
        var range = withoutB.Result();
        Assert.Equal(10, range.Unknowns.LeadsWithUnknownPost);
        Assert.Equal((0m, 120m), (range.PlanRevenueLow, range.PlanRevenueHigh));
        Assert.InRange(range.Plan.Revenue, 0m, 120m);
        Assert.Contains(range.Caveats, c => c.Contains("never posted that lead"));
    }

    // Several buyers and tiers, auction or waterfall, bids, passes, errors, timeouts, rejects, caps.
    private static AuctionScenario RandomScenario(Random rng)
    {
        var scenario = new AuctionScenario().WithCampaign(c => c with
        {
            Strategy = rng.Next(3) == 0 ? RoutingStrategies.Waterfall : RoutingStrategies.Auction,
            MaxPostAttempts = rng.Next(1, 4),
            AuctionTimeoutMs = rng.Next(2) == 0 ? 600 : 800,
        });
        var behaviours = new Dictionary<string, Behaviour>();
        for (var b = 0; b < 4; b++)
        {
            var contracts = new List<ContractConfig>();
            for (var k = 0; k < rng.Next(1, 3); k++)
            {
                var key = $"b{b}-c{k}";
                var tier = rng.Next(3) == 0 ? 1 : 0;
                var contract = rng.Next(6) == 0
                    ? AuctionScenario.DirectPost(key, 4 + rng.Next(10), tier, rng.Next(1, 5))
                    : AuctionScenario.PingPost(key, tier, rng.Next(1, 5));
                contract = contract with
                {
                    TimeoutMs = 100 * rng.Next(2, 5),
                    PostTimeoutMs = 1000,
                    Caps = rng.Next(3) == 0 ? new CapsConfig { Daily = rng.Next(3, 9) } : null,
                    Filters = rng.Next(4) == 0 ? [AuctionScenario.Filter("state", FilterOps.Eq, "CA")] : [],
                };
                contracts.Add(contract);
                behaviours[key] = new Behaviour(rng.Next(40, 90), rng.Next(5, 15), rng.Next(0, 10), rng.Next(0, 6), rng.Next(50, 95), rng.Next(0, 8));
            }
            scenario.Buyer($"buyer-{b}", rng.Next(4) == 0 ? new CapsConfig { Daily = rng.Next(5, 15) } : null, [.. contracts]);
        }
        foreach (var (key, b) in behaviours)
        {
            scenario.Transport.OnPing(key, async ct =>
            {
                var roll = rng.Next(100);
                var latency = TimeSpan.FromMilliseconds(rng.Next(5, 450));
                if (roll < b.TimeoutPercent) latency = Timeout.InfiniteTimeSpan;
                await Task.Delay(latency, scenario.Time, ct);
                if (roll < b.TimeoutPercent + b.ErrorPercent) return PingResult.Failed("HTTP 500");
                if (roll < b.TimeoutPercent + b.ErrorPercent + b.BidPercent)
                    return new PingResult(PingOutcome.Bid, rng.Next(1, b.MaxBid + 1) + rng.Next(100) / 100m);
                return PingResult.Passed("no match");
            });
            scenario.Transport.OnPost(key, async ct =>
            {
                var roll = rng.Next(100);
                var latency = roll < b.PostTimeoutPercent ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(rng.Next(5, 900));
                await Task.Delay(latency, scenario.Time, ct);
                return roll < b.PostTimeoutPercent + b.AcceptPercent
                    ? new PostResult(PostOutcome.Accepted, "x")
                    : new PostResult(PostOutcome.Rejected, null, "duplicate");
            });
        }
        return scenario;
    }

    private sealed record Behaviour(int BidPercent, int MaxBid, int TimeoutPercent, int ErrorPercent, int AcceptPercent, int PostTimeoutPercent);

    // The live auction on the fake clock, moved a millisecond at a time until it is done; its
    // continuations run on this thread (Pump), so the fake buyers answer in a fixed order.
    private static AuctionResult RunLive(AuctionScenario scenario, AuctionLead lead)
    {
        var ms = 0;
        return Pump.Run(() => scenario.Auction.RunAsync(lead, null, CancellationToken.None), () =>
        {
            Assert.True(ms++ < 60_000, "the live auction ends");
            scenario.Time.Advance(TimeSpan.FromMilliseconds(1));
            return true;
        });
    }

    internal static RecordedLead Recorded(AuctionLead lead, AuctionResult result, string publisher = "pub") => new(
        lead.LeadId, publisher, null, lead.Fields, lead.ReceivedAt,
        result.Sales.Count > 0 ? LeadStatus.Sold : LeadStatus.Unsold, result.Winner?.Contract.Key,
        result.Sales.Sum(s => s.Price), 0,
        [.. result.Trace.Select(s => new RecordedStep(s.Kind, s.Buyer, s.Contract, s.Outcome, s.Bid, s.LatencyMs, s.Reason, s.At))]);
}
