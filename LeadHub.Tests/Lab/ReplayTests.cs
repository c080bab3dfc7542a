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
