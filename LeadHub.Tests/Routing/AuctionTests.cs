using System.Globalization;
using LeadHub.Core.Delivery;
using LeadHub.Core.Routing;
using LeadHub.Core.Workspace;
using static LeadHub.Tests.Routing.AuctionScenario;

namespace LeadHub.Tests.Routing;

// CONTRACT §3.3–3.7 against the auction engine, with a fake transport and a fake clock.
public class AuctionTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture);

    private static CapsConfig Daily(int n) => new() { Daily = n };

    // ---- ranking ----

    [Fact]
    public async Task Highest_bid_wins_and_is_posted_at_its_own_price()
    {
        var s = new AuctionScenario().Contracts(PingPost("a", priority: 5), PingPost("b", priority: 1), PingPost("c"));
        s.Transport.Bids("a", 12.50m).Bids("b", 9.00m).Bids("c", 7.00m);

        var result = await s.RunAsync();

        Assert.Equal("a", result.Winner?.Contract.Key);
        Assert.Equal(12.50m, result.Winner?.Price);
        var post = Assert.Single(s.Transport.Posts);
        Assert.Equal("a", post.Contract);
        Assert.Equal(12.50m, post.Request.Price);   // first-price: not the second bid plus a step
        Assert.Equal(["a", "b", "c"], s.Transport.Pings.Select(p => p.Contract).Order());
        foreach (var (contract, bid) in new[] { ("a", 12.50m), ("b", 9.00m), ("c", 7.00m) })
        {
            var step = result.PingStep(contract);
            Assert.Equal((TraceOutcomes.Bid, bid, 0), (step.Outcome, step.Bid, step.Tier));
        }
        var accepted = result.PostStep("a");
        Assert.Equal((TraceOutcomes.Accepted, 12.50m), (accepted.Outcome, accepted.Price));
        Assert.Equal("a-buyer", accepted.Buyer);
    }

    [Fact]
    public async Task Tie_goes_to_lower_priority_number()
    {
        var s = new AuctionScenario().Contracts(PingPost("a", priority: 2), PingPost("b", priority: 1));
        s.Transport.Bids("a", 10m).Bids("b", 10m);

        var result = await s.RunAsync();

        Assert.Equal("b", result.Winner?.Contract.Key);
    }

    [Fact]
    public async Task Tie_with_equal_priority_goes_to_lower_recent_reject_rate()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"), PingPost("b"));
        s.Transport.Bids("a", 10m).Bids("b", 10m);
        s.Rejects.Record("a", rejected: true);
        s.Rejects.Record("a", rejected: false);
        s.Rejects.Record("b", rejected: false);

        var result = await s.RunAsync();

        Assert.Equal("b", result.Winner?.Contract.Key);
    }

    // ---- floors ----

    [Fact]
    public async Task Bid_below_tier_floor_is_not_an_offer()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"));   // tier 0 floor 5.00
        s.Transport.Bids("a", 4.99m);

        var result = await s.RunAsync();

        Assert.Null(result.Winner);
        Assert.Empty(s.Transport.Posts);
        var step = result.PingStep("a");
        Assert.Equal((TraceOutcomes.Bid, 4.99m), (step.Outcome, step.Bid));
        Assert.StartsWith("below floor", step.Reason);
    }

    [Fact]
    public async Task Bid_equal_to_the_floor_is_an_offer()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"));
        s.Transport.Bids("a", 5.00m);

        var result = await s.RunAsync();

        Assert.Equal(5.00m, result.Winner?.Price);
    }

    [Fact]
    public async Task Bid_below_campaign_floor_is_not_an_offer()
    {
        // Tier 1's own floor is 1.00 but the campaign floor of 2.00 applies to every tier.
        var s = new AuctionScenario().Contracts(PingPost("low", tier: 1), PingPost("ok", tier: 1));
        s.Transport.Bids("low", 1.50m).Bids("ok", 2.00m);

        var result = await s.RunAsync();

        Assert.Equal("ok", result.Winner?.Contract.Key);
        Assert.StartsWith("below floor", result.PingStep("low").Reason);
        Assert.Empty(s.Transport.PostsTo("low"));
    }

    [Fact]
    public async Task Bid_below_contract_min_bid_is_not_an_offer()
    {
        var s = new AuctionScenario().Contracts(PingPost("picky") with { MinBid = 8.00m }, PingPost("other"));
        s.Transport.Bids("picky", 7.50m).Bids("other", 6.00m);

        var result = await s.RunAsync();

        Assert.Equal("other", result.Winner?.Contract.Key);
        Assert.StartsWith("below floor", result.PingStep("picky").Reason);
        Assert.Empty(s.Transport.PostsTo("picky"));
    }

    [Fact]
    public async Task Direct_post_fixed_price_below_floor_is_skipped_with_reason()
    {
        var s = new AuctionScenario().Contracts(DirectPost("cheap", 4.00m));

        var result = await s.RunAsync();

        Assert.Null(result.Winner);
        Assert.Empty(s.Transport.Posts);
        var step = Assert.Single(result.Trace);
        Assert.Equal((TraceKinds.Post, TraceOutcomes.Skipped, 4.00m), (step.Kind, step.Outcome, step.Price));
        Assert.Contains("below floor", step.Reason);
    }

    // ---- post-reject optimisation and tiers ----

    [Fact]
    public async Task Post_reject_falls_to_next_bid_in_same_tier()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"), PingPost("b"), PingPost("c", tier: 1));
        s.Transport.Bids("a", 12m).Rejects("a", "duplicate").Bids("b", 10m).Accepts("b").Bids("c", 20m);

        var result = await s.RunAsync();

        Assert.Equal(("b", 10m), (result.Winner?.Contract.Key, result.Winner?.Price));
        Assert.Equal(["a", "b"], s.Transport.Posts.Select(p => p.Contract));
        Assert.Equal(10m, s.Transport.PostsTo("b")[0].Request.Price);
        Assert.Empty(s.Transport.PingsTo("c"));   // the tier below never ran
        var rejected = result.PostStep("a");
        Assert.Equal((TraceOutcomes.Rejected, "duplicate"), (rejected.Outcome, rejected.Reason));
        Assert.Equal(TraceOutcomes.Accepted, result.PostStep("b").Outcome);
        Assert.Equal(1.0, s.Rejects.RateOf("a"));
        Assert.Equal(0.0, s.Rejects.RateOf("b"));
    }

    [Fact]
    public async Task Rejections_stop_after_max_post_attempts()
    {
        var s = new AuctionScenario()
            .WithCampaign(c => c with { MaxPostAttempts = 2 })
            .Contracts(PingPost("a"), PingPost("b"), PingPost("c"));
        s.Transport.Bids("a", 12m).Bids("b", 11m).Bids("c", 10m).Rejects("a").Rejects("b").Accepts("c");

        var result = await s.RunAsync();

        Assert.Null(result.Winner);
        Assert.Equal(["a", "b"], s.Transport.Posts.Select(p => p.Contract));
        var note = Assert.Single(result.Trace, t => t.Kind == TraceKinds.Note);
        Assert.Equal((TraceOutcomes.Info, 0), (note.Outcome, note.Tier));
        Assert.Contains("max post attempts (2)", note.Reason);
    }

    // maxPostAttempts counts per tier: a tier that used them up hands the lead to the next tier.
    [Fact]
    public async Task Tier_that_used_up_its_post_attempts_hands_over_to_the_next_tier()
    {
        var s = new AuctionScenario()
            .WithCampaign(c => c with { MaxPostAttempts = 1 })
            .Contracts(PingPost("a"), PingPost("b"), PingPost("backup", tier: 1));
        s.Transport.Bids("a", 12m).Rejects("a").Bids("b", 11m).Bids("backup", 3m);

        var result = await s.RunAsync();

        Assert.Equal("backup", result.Winner?.Contract.Key);
        Assert.Equal(["a", "backup"], s.Transport.Posts.Select(p => p.Contract));
    }

    [Fact]
    public async Task Next_tier_runs_when_tier_has_no_offer_left()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"), PingPost("b"), PingPost("c"), PingPost("d", tier: 1));
        s.Transport.Bids("a", 12m).Rejects("a").Passes("b").Bids("c", 3m).Bids("d", 4m);

        var result = await s.RunAsync();

        Assert.Equal(("d", 4m, 1), (result.Winner?.Contract.Key, result.Winner?.Price, result.Winner?.Tier));
        Assert.Equal(["a", "d"], s.Transport.Posts.Select(p => p.Contract));
        Assert.Equal(1, result.PingStep("d").Tier);
        // Tier 0 was pinged before tier 1.
        Assert.Equal("d", s.Transport.Pings[^1].Contract);
    }

    [Fact]
    public async Task Fallback_tier_of_direct_post_buyers_sells_when_auction_tier_has_no_bids()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"), PingPost("b"), DirectPost("backup", 3.00m, tier: 1));
        s.Transport.Passes("a").Bids("b", 4.00m);   // below tier 0's floor of 5.00

        var lead = s.Lead();
        var result = await s.RunAsync(lead);

        Assert.Equal(("backup", 3.00m), (result.Winner?.Contract.Key, result.Winner?.Price));
        Assert.Empty(s.Transport.PingsTo("backup"));
        var post = Assert.Single(s.Transport.Posts);
        Assert.Equal(("backup", 3.00m), (post.Contract, post.Request.Price));
        Assert.Same(lead.Fields, post.Request.Fields);
        Assert.DoesNotContain(result.Trace, t => t.Kind == TraceKinds.Ping && t.Contract == "backup");
        Assert.Equal((TraceOutcomes.Accepted, 1), (result.PostStep("backup").Outcome, result.PostStep("backup").Tier));
    }

    [Fact]
    public async Task Direct_post_fixed_price_competes_with_bids_of_its_tier()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"), DirectPost("fixed", 15.00m));
        s.Transport.Bids("a", 12m);

        var result = await s.RunAsync();

        Assert.Equal(("fixed", 15.00m), (result.Winner?.Contract.Key, result.Winner?.Price));
        Assert.Equal(["a"], s.Transport.Pings.Select(p => p.Contract));
    }

    [Fact]
    public async Task No_bids_leaves_lead_unsold()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"), PingPost("b"), PingPost("c", tier: 1));
        s.Transport.Passes("a").PingFails("b", "HTTP 500").Passes("c");

        var result = await s.RunAsync();

        Assert.Null(result.Winner);
        Assert.Empty(s.Transport.Posts);
        Assert.Empty(result.CapIncrements);
        Assert.Equal(TraceOutcomes.Pass, result.PingStep("a").Outcome);
        Assert.Equal((TraceOutcomes.Error, "HTTP 500"), (result.PingStep("b").Outcome, result.PingStep("b").Reason));
        Assert.Equal(TraceOutcomes.Pass, result.PingStep("c").Outcome);
    }

    // ---- timeouts ----

    [Fact]
    public async Task Ping_timeout_counts_as_pass()
    {
        var s = new AuctionScenario().Contracts(PingPost("slow", priority: 1), PingPost("fast", priority: 2));   // timeoutMs 300
        s.Transport.PingNeverAnswers("slow").Bids("fast", 6m);

        var run = s.RunAsync();
        await s.Transport.PingStarted("slow").Within();
        s.Time.Advance(299 * Ms);
        Assert.False(run.IsCompleted);
        s.Time.Advance(Ms);
        var result = await run.Within();

        Assert.Equal("fast", result.Winner?.Contract.Key);
        var step = result.PingStep("slow");
        Assert.Equal((TraceOutcomes.Timeout, (decimal?)null, 300), (step.Outcome, step.Bid, step.LatencyMs));
        Assert.Equal("no answer within 300 ms", step.Reason);
        Assert.Empty(s.Transport.PostsTo("slow"));
    }

    [Fact]
    public async Task Ping_budget_is_what_is_left_of_the_auction_timeout_since_the_lead_arrived()
    {
        // auctionTimeoutMs 800, received 700 ms ago: the contract's 300 ms shrink to 100 ms.
        var s = new AuctionScenario().Contracts(PingPost("slow"));
        s.Transport.PingNeverAnswers("slow");

        var run = s.RunAsync(s.Lead(receivedAgo: 700 * Ms));
        await s.Transport.PingStarted("slow").Within();
        s.Time.Advance(99 * Ms);
        Assert.False(run.IsCompleted);
        s.Time.Advance(Ms);
        var result = await run.Within();

        var step = result.PingStep("slow");
        Assert.Equal((TraceOutcomes.Timeout, "no answer within 100 ms", 100), (step.Outcome, step.Reason, step.LatencyMs));
    }

    [Fact]
    public async Task Ping_after_the_auction_deadline_is_skipped_but_direct_post_still_sells()
    {
        var s = new AuctionScenario().Contracts(PingPost("late"), DirectPost("backup", 3m, tier: 1));
        s.Transport.Bids("late", 20m);

        var result = await s.RunAsync(s.Lead(receivedAgo: 800 * Ms)).Within();

        Assert.Empty(s.Transport.Pings);
        var step = result.PingStep("late");
        Assert.Equal((TraceOutcomes.Skipped, "auction deadline passed"), (step.Outcome, step.Reason));
        Assert.Equal("backup", result.Winner?.Contract.Key);
    }

    [Fact]
    public async Task Post_timeout_is_not_billed_and_falls_to_next_offer()
    {
        var s = new AuctionScenario().Contracts(
            PingPost("a") with { PostTimeoutMs = 1000, Caps = Daily(1) },
            PingPost("b") with { Caps = Daily(5) });
        s.Transport.Bids("a", 12m).PostNeverAnswers("a").Bids("b", 10m);

        var run = s.RunAsync();
        await s.Transport.PostStarted("a").Within();
        Assert.NotNull(s.Caps.Reached(s.Contract("a"), s.Time.GetUtcNow()));   // the slot is held while the post is out
        s.Time.Advance(999 * Ms);
        Assert.False(run.IsCompleted);
        s.Time.Advance(Ms);
        var result = await run.Within();

        Assert.Equal(("b", 10m), (result.Winner?.Contract.Key, result.Winner?.Price));
        var timedOut = result.PostStep("a");
        Assert.Equal((TraceOutcomes.Timeout, 12m, 1000), (timedOut.Outcome, timedOut.Price, timedOut.LatencyMs));
        Assert.Contains("not billed", timedOut.Reason);
        Assert.Null(s.Caps.Reached(s.Contract("a"), s.Time.GetUtcNow()));   // released
        Assert.Equal([new CapIncrement("contract:b:day:2026-11-24", 1, 10m)], result.CapIncrements);
        Assert.Equal(1.0, s.Rejects.RateOf("a"));
    }

    [Fact]
    public async Task Post_error_is_not_billed_and_falls_to_next_offer()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"), PingPost("b"));
        s.Transport.Bids("a", 12m).PostFails("a", "HTTP 502").Bids("b", 10m);

        var result = await s.RunAsync();

        Assert.Equal("b", result.Winner?.Contract.Key);
        var failed = result.PostStep("a");
        Assert.Equal(TraceOutcomes.Error, failed.Outcome);
        Assert.Contains("HTTP 502", failed.Reason);
        Assert.Contains("not billed", failed.Reason);
    }

    // ---- what is sent, and when ----

    [Fact]
    public async Task Pings_carry_only_non_pii_fields()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"));
        s.Transport.Bids("a", 10m);
        var lead = s.Lead();

        await s.RunAsync(lead);

        var ping = Assert.Single(s.Transport.Pings);
        Assert.Equal(["age", "homeowner", "state", "zip"], ping.Request.Fields.Select(f => f.Key).Order(StringComparer.Ordinal));
        Assert.Equal("94107", (string?)ping.Request.Fields["zip"]);
        Assert.Equal((lead.PingId, CampaignKey), (ping.Request.PingId, ping.Request.Campaign));

        // The post, on the other hand, carries the whole lead.
        var post = Assert.Single(s.Transport.Posts);
        Assert.Equal((lead.PingId, lead.LeadId), (post.Request.PingId, post.Request.LeadId));
        foreach (var pii in new[] { "first_name", "phone", "email", "last_name" })
            Assert.True(post.Request.Fields.ContainsKey(pii), pii);
    }

    [Fact]
    public async Task Pings_go_out_in_parallel()
    {
        string[] keys = ["a", "b", "c"];
        var s = new AuctionScenario().Contracts([.. keys.Select(k => PingPost(k))]);
        var answers = keys.ToDictionary(k => k, s.Transport.PingAnswersLater);

        var run = s.RunAsync();
        // Every contract has its ping in flight while none has answered yet.
        await Task.WhenAll(keys.Select(k => s.Transport.PingStarted(k))).Within();
        Assert.Equal(3, s.Transport.Pings.Count);
        Assert.False(run.IsCompleted);

        answers["a"].SetResult(PingResult.Passed());
        answers["b"].SetResult(new PingResult(PingOutcome.Bid, 9m));
        answers["c"].SetResult(new PingResult(PingOutcome.Bid, 7m));
        var result = await run.Within();

        Assert.Equal("b", result.Winner?.Contract.Key);
    }

    [Fact]
    public async Task Trace_records_latency_from_the_time_provider()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"));
        var bid = s.Transport.PingAnswersLater("a");
        var accept = s.Transport.PostAnswersLater("a");

        var run = s.RunAsync();
        await s.Transport.PingStarted("a").Within();
        s.Time.Advance(120 * Ms);
        bid.SetResult(new PingResult(PingOutcome.Bid, 10m));
        await s.Transport.PostStarted("a").Within();
        s.Time.Advance(250 * Ms);
        accept.SetResult(new PostResult(PostOutcome.Accepted, "b-77"));
        var result = await run.Within();

        Assert.Equal(120, result.PingStep("a").LatencyMs);
        Assert.Equal(AuctionScenario.Tuesday3pmUtc, result.PingStep("a").At);
        var post = result.PostStep("a");
        Assert.Equal((250, "buyer lead id b-77"), (post.LatencyMs, post.Reason));
    }

    // ---- eligibility ----

    [Fact]
    public async Task Filter_mismatch_skips_contract_with_reason_in_trace()
    {
        var s = new AuctionScenario().Contracts(
            PingPost("nv-az") with { Filters = [Filter("state", FilterOps.In, new[] { "NV", "AZ" })] },
            PingPost("young") with { Filters = [Filter("age", FilterOps.Between, new[] { 18, 25 })] },
            PingPost("ca-owners") with
            {
                Filters = [Filter("state", FilterOps.In, new[] { "CA" }), Filter("homeowner", FilterOps.Eq, true)],
            });
        s.Transport.Bids("nv-az", 20m).Bids("young", 19m).Bids("ca-owners", 10m);

        var result = await s.RunAsync();

        Assert.Equal("ca-owners", result.Winner?.Contract.Key);
        Assert.Equal(["ca-owners"], s.Transport.Pings.Select(p => p.Contract));
        foreach (var (contract, field) in new[] { ("nv-az", "state"), ("young", "age") })
        {
            var step = result.PingStep(contract);
            Assert.Equal((TraceKinds.Ping, TraceOutcomes.Skipped), (step.Kind, step.Outcome));
            Assert.StartsWith("filter: " + field, step.Reason);
        }
    }

    // CONTRACT §4's schedule: mon-fri 08:00-20:00 America/Los_Angeles (PST, UTC-8, in November).
    [Theory]
    [InlineData("2026-11-29T18:00:00Z", false)]   // Sunday 10:00
    [InlineData("2026-11-24T15:00:00Z", false)]   // Tuesday 07:00: open in UTC terms, not yet in LA
    [InlineData("2026-11-24T18:00:00Z", true)]    // Tuesday 10:00
    public async Task Schedule_closed_skips_contract(string utc, bool open)
    {
        var s = new AuctionScenario(At(utc)).Contracts(PingPost("weekdays") with
        {
            Schedule = new ScheduleConfig
            {
                TimeZone = "America/Los_Angeles", Days = ["mon", "tue", "wed", "thu", "fri"], Start = "08:00", End = "20:00",
            },
        });
        s.Transport.Bids("weekdays", 10m);

        var result = await s.RunAsync();

        Assert.Equal(open, result.Winner is not null);
        Assert.Equal(open, s.Transport.Pings.Count == 1);
        var step = result.PingStep("weekdays");
        if (open) Assert.Equal(TraceOutcomes.Bid, step.Outcome);
        else Assert.Equal((TraceOutcomes.Skipped, true), (step.Outcome, step.Reason?.StartsWith("outside schedule", StringComparison.Ordinal)));
    }

    // Trace reasons are stored and shown as text: "5.00", not "5,00" on a German server.
    [Fact]
    public async Task Trace_reasons_do_not_depend_on_the_server_culture()
    {
        var s = new AuctionScenario().Contracts(
            PingPost("low"), DirectPost("cheap", 4.50m), PingPost("spent") with { Caps = new CapsConfig { DailyBudget = 10.50m } });
        s.Transport.Bids("low", 4.99m).Bids("spent", 10.50m);
        var culture = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            await s.RunAsync();
            var result = await s.RunAsync();

            Assert.Equal("below floor 5.00", result.PingStep("low").Reason);
            Assert.Equal("fixed price below floor 5.00", Assert.Single(result.PostSteps(), p => p.Contract == "cheap").Reason);
            Assert.Equal("budget reached: contract:spent:budget:2026-11-24 (10.50)", result.PingStep("spent").Reason);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    // ---- caps ----

    [Fact]
    public async Task Daily_cap_reached_skips_contract()
    {
        var s = new AuctionScenario().Contracts(PingPost("a") with { Caps = Daily(2) }, PingPost("b"));
        s.Transport.Bids("a", 12m).Bids("b", 6m);

        var first = await s.RunAsync();
        var second = await s.RunAsync();
        var third = await s.RunAsync();

        Assert.Equal(["a", "a", "b"], new[] { first, second, third }.Select(r => r.Winner?.Contract.Key));
        Assert.Equal([new CapIncrement("contract:a:day:2026-11-24", 1, 12m)], first.CapIncrements);
        Assert.Equal(2, s.Transport.PingsTo("a").Count);   // not pinged once full
        var step = third.PingStep("a");
        Assert.Equal(TraceOutcomes.Skipped, step.Outcome);
        Assert.StartsWith("cap reached", step.Reason);
        Assert.Contains("contract:a:day:2026-11-24", step.Reason);
    }

    [Fact]
    public async Task Buyer_level_cap_applies_across_its_contracts()
    {
        var s = new AuctionScenario()
            .Buyer("acme", Daily(1), PingPost("acme-auto"), PingPost("acme-auto-2", tier: 1))
            .Contracts(PingPost("other"));
        s.Transport.Bids("acme-auto", 15m).Bids("acme-auto-2", 14m).Bids("other", 9m);

        var first = await s.RunAsync();
        var second = await s.RunAsync();

        Assert.Equal("acme-auto", first.Winner?.Contract.Key);
        Assert.Contains(new CapIncrement("buyer:acme:day:2026-11-24", 1, 15m), first.CapIncrements);
        Assert.Equal("other", second.Winner?.Contract.Key);
        var step = second.PingStep("acme-auto");
        Assert.Equal(TraceOutcomes.Skipped, step.Outcome);
        Assert.Contains("buyer:acme:day:2026-11-24", step.Reason);
        Assert.Single(s.Transport.PingsTo("acme-auto"));

        // The buyer's other contract is capped as well, in a tier of its own.
        s.Transport.Passes("other");
        var third = await s.RunAsync();
        Assert.Null(third.Winner);
        Assert.Contains("buyer:acme:day:2026-11-24", third.PingStep("acme-auto-2").Reason);
        Assert.Empty(s.Transport.PingsTo("acme-auto-2"));
    }

    [Fact]
    public async Task Daily_budget_stops_sales_that_would_overshoot()
    {
        var s = new AuctionScenario().Contracts(PingPost("a") with { Caps = new CapsConfig { DailyBudget = 20m } }, PingPost("b"));
        s.Transport.Bids("a", 12m).Bids("b", 6m);

        var first = await s.RunAsync();
        Assert.Equal(("a", 12m), (first.Winner?.Contract.Key, first.Winner?.Price));
        Assert.Equal([new CapIncrement("contract:a:budget:2026-11-24", 1, 12m)], first.CapIncrements);

        // 12 + 12 would be 24 > 20: a still bids (8 are left) but is not posted.
        var second = await s.RunAsync();
        Assert.Equal("b", second.Winner?.Contract.Key);
        var skipped = Assert.Single(second.PostSteps(), p => p.Contract == "a");
        Assert.Equal(TraceOutcomes.Skipped, skipped.Outcome);
        Assert.Single(s.Transport.PostsTo("a"));

        // 12 + 8 = 20 fits exactly.
        s.Transport.Bids("a", 8m);
        var third = await s.RunAsync();
        Assert.Equal(("a", 8m), (third.Winner?.Contract.Key, third.Winner?.Price));

        var fourth = await s.RunAsync();
        Assert.Equal("b", fourth.Winner?.Contract.Key);
        Assert.StartsWith("budget reached", fourth.PingStep("a").Reason);
    }

    [Theory]
    [InlineData("hourly", "2026-11-24T16:00:00Z")]
    [InlineData("daily", "2026-11-25T00:00:00Z")]
    [InlineData("weekly", "2026-11-30T00:00:00Z")]    // ISO weeks start on Monday
    [InlineData("monthly", "2026-12-01T00:00:00Z")]
    public async Task Each_cap_period_resets_in_the_next_period(string period, string nextPeriodUtc)
    {
        var caps = period switch
        {
            "hourly" => new CapsConfig { Hourly = 1 },
            "daily" => new CapsConfig { Daily = 1 },
            "weekly" => new CapsConfig { Weekly = 1 },
            _ => new CapsConfig { Monthly = 1 },
        };
        var s = new AuctionScenario().Contracts(PingPost("a") with { Caps = caps });
        s.Transport.Bids("a", 10m);
        var next = At(nextPeriodUtc);

        Assert.NotNull((await s.RunAsync()).Winner);
        s.Time.SetUtcNow(next - TimeSpan.FromSeconds(1));
        var stillCapped = await s.RunAsync();
        s.Time.SetUtcNow(next);
        var reset = await s.RunAsync();

        Assert.Null(stillCapped.Winner);
        Assert.StartsWith("cap reached", stillCapped.PingStep("a").Reason);
        Assert.Equal("a", reset.Winner?.Contract.Key);
    }

    [Fact]
    public async Task Contract_daily_cap_resets_at_the_contracts_local_midnight()
    {
        var s = new AuctionScenario().Contracts(PingPost("a") with
        {
            Caps = Daily(1), Schedule = new ScheduleConfig { TimeZone = "America/Los_Angeles" },
        });
        s.Transport.Bids("a", 10m);

        Assert.NotNull((await s.RunAsync()).Winner);       // Tue 07:00 LA
        s.Time.SetUtcNow(At("2026-11-25T00:00:00Z"));        // Tue 16:00 LA: UTC midnight is not the contract's
        Assert.Null((await s.RunAsync()).Winner);
        s.Time.SetUtcNow(At("2026-11-25T08:00:00Z"));        // Wed 00:00 LA
        Assert.NotNull((await s.RunAsync()).Winner);
    }

    // The buyer's own cap counts New York days even though its contract has no schedule (UTC).
    [Fact]
    public async Task Buyer_daily_cap_resets_at_the_buyers_local_midnight_not_utc_midnight()
    {
        var s = new AuctionScenario().Buyer("acme", Daily(1), "America/New_York", PingPost("acme-auto"));
        s.Transport.Bids("acme-auto", 10m);

        var first = await s.RunAsync();                      // Tue 10:00 New York
        Assert.NotNull(first.Winner);
        Assert.Contains(new CapIncrement("buyer:acme:day:2026-11-24", 1, 10m), first.CapIncrements);
        s.Time.SetUtcNow(At("2026-11-25T01:00:00Z"));        // Tue 20:00 New York: a new UTC day, not the buyer's
        Assert.Null((await s.RunAsync()).Winner);
        s.Time.SetUtcNow(At("2026-11-25T05:00:00Z"));        // Wed 00:00 New York
        Assert.NotNull((await s.RunAsync()).Winner);
    }

    [Fact]
    public async Task Concurrent_auctions_never_exceed_cap()
    {
        var s = new AuctionScenario().Contracts(PingPost("a") with { Caps = Daily(5) });
        // Every ping waits until all 50 auctions have found the contract eligible (nothing taken
        // yet), so all of them then race for the 5 slots at once.
        var bid = s.Transport.PingAnswersLater("a");
        var leads = Enumerable.Range(0, 50).Select(_ => s.Lead()).ToList();
        var auction = s.Auction;

        var runs = leads.Select(l => Task.Run(() => auction.RunAsync(l, null, CancellationToken.None))).ToList();
        await s.Transport.PingStarted("a", 50).Within();
        bid.SetResult(new PingResult(PingOutcome.Bid, 10m));
        var results = await Task.WhenAll(runs).Within();

        Assert.Equal(5, results.Count(r => r.Winner is not null));
        Assert.Equal(5, s.Transport.PostsTo("a").Count);
        Assert.Equal(5, results.SelectMany(r => r.CapIncrements).Count());
        Assert.Equal(45, results.Count(r => r.Trace.Any(t => t is { Kind: TraceKinds.Post, Outcome: TraceOutcomes.Skipped })));
        Assert.NotNull(s.Caps.Reached(s.Contract("a"), s.Time.GetUtcNow()));
    }

    [Fact]
    public async Task Concurrent_auctions_with_slow_posts_never_exceed_cap()
    {
        var s = new AuctionScenario().Contracts(PingPost("a") with { Caps = Daily(5) });
        s.Transport.Bids("a", 10m);
        // Posts stay in flight until five are out: reserved slots count while the post is pending.
        var accept = s.Transport.PostAnswersLater("a");
        var leads = Enumerable.Range(0, 50).Select(_ => s.Lead()).ToList();
        var auction = s.Auction;

        var runs = leads.Select(l => Task.Run(() => auction.RunAsync(l, null, CancellationToken.None))).ToList();
        await s.Transport.PostStarted("a", 5).Within();
        accept.SetResult(new PostResult(PostOutcome.Accepted, "b-1"));
        var results = await Task.WhenAll(runs).Within();

        Assert.Equal(5, results.Count(r => r.Winner is not null));
        Assert.Equal(5, s.Transport.PostsTo("a").Count);
    }

    [Fact]
    public async Task Rejected_post_releases_the_cap_slot()
    {
        var s = new AuctionScenario().Contracts(PingPost("a") with { Caps = Daily(1) });
        s.Transport.Bids("a", 10m).Rejects("a", "duplicate");

        var rejected = await s.RunAsync();
        Assert.Null(rejected.Winner);
        Assert.Empty(rejected.CapIncrements);
        Assert.Null(s.Caps.Reached(s.Contract("a"), s.Time.GetUtcNow()));

        s.Transport.Accepts("a");
        var sold = await s.RunAsync();
        Assert.Equal("a", sold.Winner?.Contract.Key);
        Assert.Equal([new CapIncrement("contract:a:day:2026-11-24", 1, 10m)], sold.CapIncrements);

        var capped = await s.RunAsync();
        Assert.Null(capped.Winner);
        Assert.StartsWith("cap reached", capped.PingStep("a").Reason);
    }

    // ---- test leads ----

    [Fact]
    public async Task Test_lead_only_goes_to_sandbox_contracts()
    {
        var s = new AuctionScenario().Contracts(
            PingPost("real"),
            PingPost("sandbox", priority: 2) with { Sandbox = true, Caps = Daily(1) });
        s.Transport.Bids("real", 20m).Bids("sandbox", 10m);

        var first = await s.RunAsync(s.Lead(test: true));
        var second = await s.RunAsync(s.Lead(test: true));

        Assert.Equal(["sandbox", "sandbox"], s.Transport.Pings.Select(p => p.Contract));
        Assert.Equal(["sandbox", "sandbox"], s.Transport.Posts.Select(p => p.Contract));
        Assert.Equal("sandbox", first.Winner?.Contract.Key);
        Assert.DoesNotContain(first.Trace, t => t.Contract == "real");
        // Never billed: a test lead takes no cap slot.
        Assert.Empty(first.CapIncrements);
        Assert.Equal("sandbox", second.Winner?.Contract.Key);
        Assert.Null(s.Caps.Reached(s.Contract("sandbox"), s.Time.GetUtcNow()));
    }

    [Fact]
    public async Task Real_lead_never_goes_to_sandbox_contracts()
    {
        var s = new AuctionScenario().Contracts(PingPost("real"), PingPost("sandbox") with { Sandbox = true });
        s.Transport.Bids("real", 6m).Bids("sandbox", 50m);

        var result = await s.RunAsync();

        Assert.Equal("real", result.Winner?.Contract.Key);
        Assert.Equal(["real"], s.Transport.Pings.Select(p => p.Contract));
        Assert.DoesNotContain(result.Trace, t => t.Contract == "sandbox");
    }

    // ---- bids held from a publisher's ping ----

    [Fact]
    public async Task Held_fresh_bid_is_posted_without_re_pinging()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"), PingPost("b"));
        s.Transport.Bids("a", 11m).Bids("b", 20m);
        var bidAt = s.Time.GetUtcNow() - TimeSpan.FromSeconds(59);
        var hold = new PingHold([0], [new HeldBid("a", 0, 12m, bidAt)]);   // b passed on the publisher's ping

        var result = await s.RunAsync(hold: hold);

        Assert.Empty(s.Transport.Pings);
        Assert.Equal(("a", 12m), (result.Winner?.Contract.Key, result.Winner?.Price));
        Assert.Equal(12m, Assert.Single(s.Transport.Posts).Request.Price);
        Assert.DoesNotContain(result.Trace, t => t.Kind == TraceKinds.Ping);
    }

    [Fact]
    public async Task Held_bid_older_than_bid_ttl_is_re_pinged_before_the_post()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"));
        s.Transport.Bids("a", 11m);
        var hold = new PingHold([0], [new HeldBid("a", 0, 12m, s.Time.GetUtcNow() - TimeSpan.FromSeconds(61))]);

        var result = await s.RunAsync(hold: hold);

        Assert.Equal(["a"], s.Transport.Pings.Select(p => p.Contract));
        Assert.Equal(("a", 11m), (result.Winner?.Contract.Key, result.Winner?.Price));
        Assert.Equal(11m, Assert.Single(s.Transport.Posts).Request.Price);
        var reping = result.PingStep("a");
        Assert.Equal((TraceOutcomes.Bid, 11m), (reping.Outcome, reping.Bid));
        Assert.StartsWith("re-ping: bid expired", reping.Reason);
    }

    [Fact]
    public async Task Held_bid_whose_re_ping_passes_is_not_posted()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"), DirectPost("backup", 3m, tier: 1));
        s.Transport.Passes("a");
        var hold = new PingHold([0], [new HeldBid("a", 0, 12m, s.Time.GetUtcNow() - TimeSpan.FromMinutes(5))]);

        var result = await s.RunAsync(hold: hold);

        Assert.Empty(s.Transport.PostsTo("a"));
        Assert.Equal("backup", result.Winner?.Contract.Key);
    }

    [Fact]
    public async Task Tier_not_pinged_for_the_publisher_is_pinged_when_reached()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"), PingPost("d", tier: 1));
        s.Transport.Bids("a", 12m).Bids("d", 4m);
        var hold = new PingHold([0], []);   // nobody in tier 0 bid on the publisher's ping

        var result = await s.RunAsync(hold: hold);

        Assert.Equal(["d"], s.Transport.Pings.Select(p => p.Contract));
        Assert.Equal("d", result.Winner?.Contract.Key);
    }

    [Fact]
    public async Task Ping_only_phase_stops_at_the_first_tier_with_offers_and_posts_nothing()
    {
        var s = new AuctionScenario().Contracts(PingPost("a"), PingPost("b", tier: 1), PingPost("c", tier: 1), PingPost("z", tier: 2));
        s.Transport.Passes("a").Bids("b", 3m).Bids("c", 4m).Bids("z", 9m);
        var lead = s.Lead();

        var phase = await s.Auction.PingOnlyAsync(lead with { Fields = lead.PingFields }, CancellationToken.None);

        Assert.Equal([("c", 4m), ("b", 3m)], phase.Offers.Select(o => (o.Contract.Key, o.Price)));
        Assert.Equal([0, 1], phase.PingedTiers);
        Assert.Empty(s.Transport.Posts);
        Assert.Empty(s.Transport.PingsTo("z"));
    }
}
