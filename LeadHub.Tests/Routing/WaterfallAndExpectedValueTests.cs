using LeadHub.Core.Delivery;
using LeadHub.Core.Routing;
using LeadHub.Core.Workspace;
using static LeadHub.Tests.Routing.AuctionScenario;

namespace LeadHub.Tests.Routing;

// The revenue lab's routing options against the auction engine (README "Routing strategy and
// expected-value ranking"): the static ping tree (`waterfall`) and offers ranked by expected value.
// The example campaign: auction timeout 800 ms, floors 2 (campaign), 5 (tier 0), 1 (tier 1), 3 post attempts.
public class WaterfallAndExpectedValueTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    private static AuctionScenario Waterfall(int maxPostAttempts = 3) =>
        new AuctionScenario().WithCampaign(c => c with { Strategy = RoutingStrategies.Waterfall, MaxPostAttempts = maxPostAttempts });

    private static AuctionScenario ByExpectedValue() =>
        new AuctionScenario().WithCampaign(c => c with { Ranking = OfferRankings.ExpectedValue });

    private static IReadOnlyList<string> Notes(AuctionResult result) =>
        [.. result.Trace.Where(s => s.Kind == TraceKinds.Note).Select(s => s.Reason!)];

    // ---- waterfall ----

    [Fact]
    public async Task Waterfall_asks_by_priority_and_the_first_bid_above_the_floor_wins_though_a_later_buyer_would_pay_more()
    {
        // Listed out of priority order: the waterfall goes by priority, not by the order of the list.
        var s = Waterfall().Contracts(PingPost("big", priority: 4), PingPost("cheap", priority: 3), PingPost("low", priority: 2), PingPost("first", priority: 1));
        s.Transport.Passes("first").Bids("low", 4m).Bids("cheap", 8m).Bids("big", 30m);

        var result = await s.RunAsync().Within();

        Assert.Equal(("cheap", 8m), (result.Winner?.Contract.Key, result.Winner?.Price));
        Assert.Equal(["first", "low", "cheap"], s.Transport.Pings.Select(p => p.Contract));   // "big" is never asked
        Assert.Equal("below floor 5.00", result.PingStep("low").Reason);                      // 4 is under tier 0's floor: next
        Assert.Equal("cheap", Assert.Single(s.Transport.Posts).Contract);
        Assert.Contains("waterfall: contracts asked one at a time by priority", Notes(result));
        Assert.DoesNotContain(result.Trace, t => t.Contract == "big");
    }

    [Fact]
    public async Task The_parallel_auction_with_the_same_buyers_sells_to_the_highest_bid()
    {
        // The control for the test above: the same market as a parallel auction.
        var s = new AuctionScenario().Contracts(PingPost("big", priority: 4), PingPost("cheap", priority: 3), PingPost("first", priority: 1));
        s.Transport.Passes("first").Bids("cheap", 8m).Bids("big", 30m);

        var result = await s.RunAsync().Within();

        Assert.Equal(("big", 30m), (result.Winner?.Contract.Key, result.Winner?.Price));
        Assert.Equal(3, s.Transport.Pings.Count);
    }

    [Fact]
    public async Task Waterfall_moves_on_to_the_next_buyer_when_the_post_is_rejected()
    {
        var s = Waterfall().Contracts(PingPost("a", priority: 1), PingPost("b", priority: 2));
        s.Transport.Bids("a", 20m).Rejects("a", "bad phone").Bids("b", 10m);

        var result = await s.RunAsync().Within();

        Assert.Equal(("b", 10m), (result.Winner?.Contract.Key, result.Winner?.Price));
        // b is asked only once a has refused the lead: ping, post, ping, post.
        Assert.Equal(["ping a", "post a", "ping b", "post b"],
            result.Trace.Where(t => t.Kind is TraceKinds.Ping or TraceKinds.Post).Select(t => $"{t.Kind} {t.Contract}"));
        Assert.Equal((TraceOutcomes.Rejected, "bad phone"), (result.PostStep("a").Outcome, result.PostStep("a").Reason));
        Assert.Equal(1.0, s.Rejects.RateOf("a"));
    }

    [Fact]
    public async Task Waterfall_stops_a_tier_after_max_post_attempts_and_falls_to_the_next_tier()
    {
        var s = Waterfall(maxPostAttempts: 2).Contracts(
            PingPost("a", priority: 1), PingPost("b", priority: 2), PingPost("c", priority: 3), DirectPost("backup", 3m, tier: 1));
        s.Transport.Bids("a", 20m).Rejects("a").Bids("b", 18m).PostFails("b").Bids("c", 15m);

        var result = await s.RunAsync().Within();

        Assert.Equal(("backup", 3m), (result.Winner?.Contract.Key, result.Winner?.Price));
        Assert.Empty(s.Transport.PingsTo("c"));   // two failed posts end tier 0 before c is asked
        Assert.Contains("max post attempts (2) reached in tier 0", Notes(result));
        Assert.Equal(["a", "b", "backup"], s.Transport.Posts.Select(p => p.Contract));
    }

    [Fact]
    public async Task Waterfall_pings_one_after_another_until_the_auction_timeout_runs_out()
    {
        // 800 ms for the whole waterfall: a takes 450 ms to pass, b is cut off after the 350 ms left,
        // c is never asked; the fixed-price fallback tier still sells (a direct post needs no ping).
        var s = Waterfall().Contracts(
            PingPost("a", priority: 1) with { TimeoutMs = 500 }, PingPost("b", priority: 2) with { TimeoutMs = 500 },
            PingPost("c", priority: 3), DirectPost("backup", 3m, tier: 1));
        s.Transport.PassesAfter("a", 450 * Ms, s.Time).BidsAfter("b", 30m, 400 * Ms, s.Time).Bids("c", 50m);

        var result = await s.RunAsync().Within();

        Assert.Equal((TraceOutcomes.Pass, 450), (result.PingStep("a").Outcome, result.PingStep("a").LatencyMs));
        var b = result.PingStep("b");
        Assert.Equal((TraceOutcomes.Timeout, "no answer within 350 ms", 350), (b.Outcome, b.Reason, b.LatencyMs));
        var c = result.PingStep("c");
        Assert.Equal((TraceOutcomes.Skipped, "auction deadline passed"), (c.Outcome, c.Reason));
        Assert.Empty(s.Transport.PingsTo("c"));
        Assert.Equal(("backup", 3m), (result.Winner?.Contract.Key, result.Winner?.Price));
    }

    [Fact]
    public async Task The_parallel_auction_asks_the_same_slow_buyers_at_once_and_sells_to_the_best_bid()
    {
        var s = new AuctionScenario().Contracts(PingPost("a", priority: 1) with { TimeoutMs = 500 }, PingPost("c", priority: 3));
        var a = s.Transport.PingAnswersLater("a");
        s.Transport.Bids("c", 50m);

        var run = s.RunAsync();
        await s.Transport.PingStarted("a").Within();
        Assert.Single(s.Transport.PingsTo("c"));   // c was asked without waiting for a
        s.Time.Advance(450 * Ms);
        a.SetResult(PingResult.Passed());
        var result = await run.Within();

        Assert.Equal(("c", 50m), (result.Winner?.Contract.Key, result.Winner?.Price));
    }

    [Fact]
    public async Task Waterfall_offers_a_direct_post_contract_its_fixed_price_in_its_priority_turn()
    {
        var s = Waterfall().Contracts(
            PingPost("a", priority: 1), DirectPost("cheap-fixed", 4m, priority: 2), DirectPost("fixed", 7m, priority: 3), PingPost("z", priority: 4));
        s.Transport.Passes("a").Bids("z", 40m);

        var result = await s.RunAsync().Within();

        Assert.Equal(("fixed", 7m), (result.Winner?.Contract.Key, result.Winner?.Price));
        var below = Assert.Single(result.Trace, t => t.Contract == "cheap-fixed");
        Assert.Equal((TraceKinds.Post, TraceOutcomes.Skipped, "fixed price below floor 5.00"), (below.Kind, below.Outcome, below.Reason));
        Assert.Equal(["a"], s.Transport.Pings.Select(p => p.Contract));   // z comes after the sale: never asked
        Assert.Equal(7m, Assert.Single(s.Transport.Posts).Request.Price);
    }

    [Fact]
    public async Task Waterfall_skips_a_shared_only_contract_without_pinging_it_and_says_why()
    {
        // A waterfall sells exclusive only, also in a campaign that sells shared.
        var s = new AuctionScenario().WithCampaign(c => c with { Strategy = RoutingStrategies.Waterfall, MaxSharedBuyers = 2 })
            .Contracts(PingPost("shared-only", priority: 1) with { SaleType = SaleTypes.Shared, SharedPrice = 9m }, PingPost("a", priority: 2));
        s.Transport.Bids("shared-only", 9m).Bids("a", 8m);

        var result = await s.RunAsync().Within();

        Assert.Equal("a", result.Winner?.Contract.Key);
        Assert.Empty(s.Transport.PingsTo("shared-only"));
        var step = result.PingStep("shared-only");
        Assert.Equal((TraceOutcomes.Skipped, "sells shared only; a waterfall sells exclusive"), (step.Outcome, step.Reason));
    }

    [Fact]
    public async Task Waterfall_campaign_still_auctions_the_bids_held_from_a_publishers_ping()
    {
        // A two-step publisher ping asked every buyer at once; its post sells to the best held bid.
        var s = Waterfall().Contracts(PingPost("a", priority: 1), PingPost("b", priority: 2));
        var at = s.Time.GetUtcNow();
        var hold = new PingHold([0], [new HeldBid("a", 0, 10m, at), new HeldBid("b", 0, 20m, at)]);

        var result = await s.RunAsync(hold: hold).Within();

        Assert.Equal(("b", 20m), (result.Winner?.Contract.Key, result.Winner?.Price));
        Assert.Empty(s.Transport.Pings);
        Assert.DoesNotContain(Notes(result), n => n.StartsWith("waterfall", StringComparison.Ordinal));
    }

    // ---- expected-value ranking ----

    [Fact]
    public async Task A_high_bidder_that_rejects_most_posts_stops_winning_once_its_history_says_so()
    {
        // flaky bids 20 and rejects every post; steady bids 15 and takes every post. Three leads
        // are enough history: 20 × (0 + 8.1) / (3 + 9) × 0.95 = 12.83 < 15 × (3 + 8.1) / (3 + 9) × 0.95 = 13.18.
        var s = ByExpectedValue().Contracts(PingPost("flaky"), PingPost("steady"));
        s.Transport.Bids("flaky", 20m).Rejects("flaky", "bad phone").Bids("steady", 15m);

        var winners = new List<string?>();
        for (var i = 0; i < 6; i++) winners.Add((await s.RunAsync().Within()).Winner?.Contract.Key);

        Assert.All(winners, w => Assert.Equal("steady", w));
        Assert.Equal(3, s.Transport.PostsTo("flaky").Count);    // posted first on leads 1–3 only
        Assert.Equal(6, s.Transport.PingsTo("flaky").Count);    // still asked: a better record wins it back
    }

    [Fact]
    public async Task Ranked_by_bid_the_same_high_bidder_is_posted_first_on_every_lead()
    {
        var s = new AuctionScenario().Contracts(PingPost("flaky"), PingPost("steady"));
        s.Transport.Bids("flaky", 20m).Rejects("flaky", "bad phone").Bids("steady", 15m);

        for (var i = 0; i < 6; i++) await s.RunAsync().Within();

        Assert.Equal(6, s.Transport.PostsTo("flaky").Count);
    }

    [Fact]
    public async Task A_new_contract_is_not_written_off_its_prior_is_90_percent_accepted_and_5_percent_returned()
    {
        var s = ByExpectedValue().Contracts(PingPost("new"), PingPost("veteran"));
        s.Transport.Bids("new", 20m).Bids("veteran", 18m);
        for (var i = 0; i < 50; i++) s.Rejects.Record("veteran", rejected: false);
        Assert.Equal((0.9, 0.95), (Math.Round(s.Odds.Of("new").Accept, 10), Math.Round(s.Odds.Of("new").Kept, 10)));

        var result = await s.RunAsync().Within();

        // new: 20 × 0.90 × 0.95 = 17.10; veteran: 18 × (50 + 8.1) / 59 × 0.95 = 16.84.
        Assert.Equal("new", result.Winner?.Contract.Key);
        // One rejected post is not a verdict either: (0 + 8.1) / (1 + 9) = 0.81.
        Assert.Equal(0.81, ContractOdds.From(posts: 1, rejected: 1, sold: 0, returned: 0).Accept, precision: 10);
    }

    [Fact]
    public async Task Returns_lower_a_contracts_odds_and_its_rank()
    {
        var s = ByExpectedValue().Contracts(PingPost("returns-a-lot"), PingPost("keeps"));
        s.Transport.Bids("returns-a-lot", 20m).Bids("keeps", 15m);
        // 40 of 100 sales returned: kept = 1 − (40 + 1) / (100 + 20) = 0.66.
        s.Odds.PublishReturns(new Dictionary<string, (int Sold, int Returned)> { ["returns-a-lot"] = (100, 40), ["keeps"] = (100, 0) });

        var result = await s.RunAsync().Within();

        Assert.Equal(0.658, s.Odds.Of("returns-a-lot").Kept, precision: 3);
        Assert.True(s.Odds.Of("keeps").Kept > 0.99);
        // returns-a-lot: 20 × 0.90 × 0.66 = 11.85; keeps: 15 × 0.90 × 0.99 = 13.39.
        Assert.Equal("keeps", result.Winner?.Contract.Key);
        Assert.Empty(s.Transport.PostsTo("returns-a-lot"));
    }

    [Fact]
    public async Task The_trace_shows_the_arithmetic_that_ranked_the_offers()
    {
        var s = ByExpectedValue().Contracts(PingPost("flaky"), PingPost("steady"));
        s.Transport.Bids("flaky", 20m).Bids("steady", 16m);
        for (var i = 0; i < 10; i++) s.Rejects.Record("flaky", rejected: true);

        var result = await s.RunAsync().Within();

        Assert.Equal("steady", result.Winner?.Contract.Key);
        var note = Assert.Single(result.Trace, t => t.Kind == TraceKinds.Note && t.Reason!.StartsWith("ranked by expected value", StringComparison.Ordinal));
        Assert.Equal(0, note.Tier);
        // flaky: (0 + 8.1) / (10 + 9) = 0.43 accepted; steady: the prior.
        Assert.Equal("ranked by expected value: steady 16.00 × 0.90 accepted × 0.95 kept = 13.68; "
                     + "flaky 20.00 × 0.43 accepted × 0.95 kept = 8.10", note.Reason);
    }

    [Fact]
    public async Task Expected_value_ranks_a_waterfalls_held_bids_too()
    {
        var s = new AuctionScenario().WithCampaign(c => c with { Strategy = RoutingStrategies.Waterfall, Ranking = OfferRankings.ExpectedValue })
            .Contracts(PingPost("flaky", priority: 1), PingPost("steady", priority: 2));
        for (var i = 0; i < 10; i++) s.Rejects.Record("flaky", rejected: true);
        var at = s.Time.GetUtcNow();
        var hold = new PingHold([0], [new HeldBid("flaky", 0, 20m, at), new HeldBid("steady", 0, 16m, at)]);

        var result = await s.RunAsync(hold: hold).Within();

        Assert.Equal("steady", result.Winner?.Contract.Key);
    }
}
