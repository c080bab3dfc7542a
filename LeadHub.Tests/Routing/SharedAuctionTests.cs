using LeadHub.Core.Delivery;
using LeadHub.Core.Routing;
using LeadHub.Core.Workspace;
using static LeadHub.Tests.Routing.AuctionScenario;

namespace LeadHub.Tests.Routing;

// README "Shared leads": a campaign with maxSharedBuyers N sells a lead either once at the best
// exclusive offer or to up to N buyers at their shared prices, whichever earns more.
public class SharedAuctionTests
{
    private static ContractConfig Shared(ContractConfig c, decimal sharedPrice, string saleType = SaleTypes.Shared) =>
        c with { SaleType = saleType, SharedPrice = sharedPrice };

    private static AuctionScenario SharedCampaign(int maxShared = 3) =>
        new AuctionScenario().WithCampaign(c => c with { MaxSharedBuyers = maxShared });

    [Fact]
    public async Task Shared_set_that_earns_more_than_the_best_exclusive_offer_is_sold_to_each_buyer()
    {
        var s = SharedCampaign().Contracts(
            PingPost("excl"),
            Shared(DirectPost("s1", 12m), 12m), Shared(DirectPost("s2", 11m), 11m), Shared(DirectPost("s3", 10m), 10m));
        s.Transport.Bids("excl", 30m);

        var result = await s.RunAsync();

        Assert.Equal(["s1", "s2", "s3"], result.Sales.Select(o => o.Contract.Key));
        Assert.All(result.Sales, o => Assert.True(o.Shared));
        Assert.Equal(33m, result.Sales.Sum(o => o.Price));
        Assert.Empty(s.Transport.PostsTo("excl"));
        Assert.Contains(result.Trace, t => t.Kind == TraceKinds.Note && t.Reason!.StartsWith("selling shared: 3 shared offer(s) earn 33.00"));
        Assert.All(result.PostSteps(), p => Assert.StartsWith("shared sale", p.Reason));
    }

    [Fact]
    public async Task Best_exclusive_offer_that_earns_more_than_the_shared_set_is_sold_alone()
    {
        var s = SharedCampaign().Contracts(
            PingPost("excl"), Shared(DirectPost("s1", 12m), 12m), Shared(DirectPost("s2", 11m), 11m));
        s.Transport.Bids("excl", 30m);

        var result = await s.RunAsync();

        var sale = Assert.Single(result.Sales);
        Assert.Equal(("excl", false, 30m), (sale.Contract.Key, sale.Shared, sale.Price));
        Assert.Single(s.Transport.Posts);
        Assert.Contains(result.Trace, t => t.Reason?.StartsWith("selling exclusive: the best exclusive offer 30.00") == true);
    }

    [Fact]
    public async Task A_tie_between_exclusive_and_shared_stays_exclusive()
    {
        var s = SharedCampaign(2).Contracts(PingPost("excl"), Shared(DirectPost("s1", 10m), 10m), Shared(DirectPost("s2", 10m), 10m));
        s.Transport.Bids("excl", 20m);

        var result = await s.RunAsync();

        Assert.Equal("excl", Assert.Single(result.Sales).Contract.Key);
    }

    [Fact]
    public async Task A_lead_is_sold_to_at_most_max_shared_buyers()
    {
        var s = SharedCampaign(2).Contracts(
            Shared(DirectPost("s1", 9m), 9m), Shared(DirectPost("s2", 8m), 8m), Shared(DirectPost("s3", 7m), 7m));

        var result = await s.RunAsync();

        Assert.Equal(["s1", "s2"], result.Sales.Select(o => o.Contract.Key));
        Assert.Empty(s.Transport.PostsTo("s3"));
    }

    [Fact]
    public async Task A_buyer_with_two_shared_contracts_buys_the_lead_once_at_its_better_price()
    {
        var s = SharedCampaign(3)
            .Buyer("acme", null, Shared(DirectPost("acme-a", 9m), 9m), Shared(DirectPost("acme-b", 8m), 8m))
            .Contracts(Shared(DirectPost("other", 6m), 6m));

        var result = await s.RunAsync();

        Assert.Equal(["acme-a", "other"], result.Sales.Select(o => o.Contract.Key));
        Assert.Equal(result.Sales.Count, result.Sales.Select(o => o.Contract.Buyer.Key).Distinct().Count());
        Assert.Empty(s.Transport.PostsTo("acme-b"));
    }

    [Fact]
    public async Task A_shared_buyer_that_rejects_is_replaced_by_the_next_shared_offer()
    {
        var s = SharedCampaign(2).Contracts(
            Shared(DirectPost("s1", 9m), 9m), Shared(DirectPost("s2", 8m), 8m), Shared(DirectPost("s3", 7m), 7m));
        s.Transport.Rejects("s2", "already has it");

        var result = await s.RunAsync();

        Assert.Equal(["s1", "s3"], result.Sales.Select(o => o.Contract.Key));
        Assert.Equal(TraceOutcomes.Rejected, result.PostStep("s2").Outcome);
        Assert.Equal(["s1", "s2", "s3"], s.Transport.Posts.Select(p => p.Contract));
    }

    [Fact]
    public async Task Rejected_shared_posts_count_against_max_post_attempts()
    {
        var s = SharedCampaign(3).WithCampaign(c => c with { MaxPostAttempts = 2 }).Contracts(
            Shared(DirectPost("s1", 9m), 9m), Shared(DirectPost("s2", 8m), 8m), Shared(DirectPost("s3", 7m), 7m), Shared(DirectPost("s4", 6m), 6m));
        s.Transport.Rejects("s1").Rejects("s2");

        var result = await s.RunAsync();

        Assert.Empty(result.Sales);
        Assert.Equal(["s1", "s2"], s.Transport.Posts.Select(p => p.Contract));
        Assert.Contains(result.Trace, t => t.Reason == "max post attempts (2) reached in tier 0");
    }

    [Fact]
    public async Task Once_one_shared_post_is_accepted_the_lead_is_never_sold_exclusive()
    {
        // Shared 25 beats exclusive 20; then s2 rejects and only 12 sells shared: it stays shared.
        var s = SharedCampaign(2).Contracts(PingPost("excl"), Shared(DirectPost("s1", 12m), 12m), Shared(DirectPost("s2", 13m), 13m));
        s.Transport.Bids("excl", 20m).Rejects("s2");

        var result = await s.RunAsync();

        Assert.Equal("s1", Assert.Single(result.Sales).Contract.Key);
        Assert.True(result.Winner!.Shared);
        Assert.Empty(s.Transport.PostsTo("excl"));
    }

    [Fact]
    public async Task When_every_shared_buyer_rejects_the_best_exclusive_offer_is_posted()
    {
        var s = SharedCampaign(2).Contracts(PingPost("excl"), Shared(DirectPost("s1", 12m), 12m), Shared(DirectPost("s2", 13m), 13m));
        s.Transport.Bids("excl", 20m).Rejects("s1").Rejects("s2");

        var result = await s.RunAsync();

        Assert.Equal(("excl", false), (result.Winner?.Contract.Key, result.Winner?.Shared));
    }

    [Fact]
    public async Task A_both_contract_offers_its_ping_bid_exclusive_and_its_shared_price_shared()
    {
        var s = SharedCampaign(2).Contracts(
            Shared(PingPost("both"), 9m, SaleTypes.Both), Shared(DirectPost("s1", 8m), 8m));
        s.Transport.Bids("both", 15m);

        var result = await s.RunAsync();

        // Shared 9 + 8 = 17 beats its own exclusive 15: it buys shared at 9.
        Assert.Equal([("both", 9m), ("s1", 8m)], result.Sales.Select(o => (o.Contract.Key, o.Price)));
        Assert.Equal(9m, s.Transport.PostsTo("both").Single().Request.Price);
    }

    [Fact]
    public async Task A_shared_bid_in_the_ping_answer_beats_the_agreed_shared_price()
    {
        var s = SharedCampaign(2).Contracts(Shared(PingPost("both"), 9m, SaleTypes.Both), Shared(DirectPost("s1", 8m), 8m));
        s.Transport.OnPing("both", _ => Task.FromResult(new PingResult(PingOutcome.Bid, 15m) { SharedBid = 11m }));

        var result = await s.RunAsync();

        Assert.Equal(11m, result.Sales.Single(o => o.Contract.Key == "both").Price);
    }

    [Fact]
    public async Task Each_shared_buyer_keeps_its_own_floor_and_cap()
    {
        var s = SharedCampaign(3)
            .Buyer("capped", new CapsConfig { Daily = 1 }, Shared(DirectPost("capped-c", 9m), 9m))
            .Contracts(Shared(DirectPost("picky", 8m), 8m) with { MinBid = 8.50m }, Shared(DirectPost("s3", 7m), 7m), Shared(DirectPost("low", 4m), 4m));

        var first = await s.RunAsync();
        var second = await s.RunAsync();

        Assert.Equal(["capped-c", "s3"], first.Sales.Select(o => o.Contract.Key));   // picky: 8 < its 8.50; low: 4 < the tier's 5
        Assert.Equal(["s3"], second.Sales.Select(o => o.Contract.Key));             // capped-c: daily cap of 1 reached
        Assert.Contains(first.Trace, t => t.Contract == "picky" && t.Outcome == TraceOutcomes.Skipped && t.Reason!.Contains("below floor 8.50"));
        Assert.Contains(second.Trace, t => t.Contract == "capped-c" && t.Outcome == TraceOutcomes.Skipped);
    }

    [Fact]
    public async Task An_exclusive_only_campaign_ignores_shared_prices_and_skips_shared_only_contracts()
    {
        var s = new AuctionScenario().Contracts(PingPost("excl"), Shared(DirectPost("s1", 12m), 12m), Shared(DirectPost("s2", 13m), 13m, SaleTypes.Both));
        s.Transport.Bids("excl", 20m);

        var result = await s.RunAsync();

        Assert.Equal(("excl", false), (result.Winner?.Contract.Key, result.Winner?.Shared));
        Assert.Single(result.Sales);
        Assert.DoesNotContain(result.Trace, t => t.Kind == TraceKinds.Note && t.Reason!.StartsWith("selling"));
        Assert.Equal("sells shared only; the campaign sells exclusive", result.Trace.Single(t => t.Contract == "s1").Reason);
        Assert.Empty(s.Transport.PostsTo("s1"));
    }

    [Fact]
    public async Task No_new_shared_post_starts_after_the_auction_deadline()
    {
        var s = SharedCampaign(3).Contracts(Shared(DirectPost("slow", 9m), 9m), Shared(DirectPost("s2", 8m), 8m));
        var answer = s.Transport.PostAnswersLater("slow");

        var running = s.RunAsync();
        await s.Transport.PostStarted("slow").Within();
        s.Time.Advance(TimeSpan.FromMilliseconds(900));   // past the 800 ms auction timeout, within the post timeout
        answer.SetResult(new PostResult(PostOutcome.Accepted, "x"));
        var result = await running.Within();

        Assert.Equal(["slow"], result.Sales.Select(o => o.Contract.Key));
        Assert.Empty(s.Transport.PostsTo("s2"));
        Assert.Contains(result.Trace, t => t.Reason == "auction deadline passed: the lead stays shared with 1 buyer(s)");
    }

    [Theory]
    [InlineData("""{"bid": 20, "sharedBid": 8.5}""", "8.5")]
    [InlineData("""{"bid": 20}""", null)]
    [InlineData("""{"bid": 20, "sharedBid": "n/a"}""", null)]   // unreadable: the agreed shared price applies, the bid stands
    public void The_reference_ping_answer_may_carry_a_shared_bid(string answer, string? shared)
    {
        var reader = ResponseReader.Compile(ReferenceFormat.Ping.Response!, ping: true, "$.r", (_, m) => Assert.Fail(m));

        var result = reader.ReadPing(200, answer);

        Assert.Equal((PingOutcome.Bid, 20m), (result.Outcome, result.Bid));
        Assert.Equal(shared is null ? null : decimal.Parse(shared, System.Globalization.CultureInfo.InvariantCulture), result.SharedBid);
    }

    [Fact]
    public void A_buyer_format_maps_its_own_shared_bid()
    {
        var rules = new ResponseRules { Kind = ResponseKinds.Json, Bid = "$.price.exclusive", SharedBid = "$.price.shared" };
        var reader = ResponseReader.Compile(rules, ping: true, "$.r", (_, m) => Assert.Fail(m));

        var result = reader.ReadPing(200, """{"price": {"exclusive": "30.00", "shared": "12.00"}}""");

        Assert.Equal((30m, 12m), (result.Bid, result.SharedBid));
    }

    [Fact]
    public void Shared_settings_that_cannot_work_are_refused_with_their_paths()
    {
        var campaign = ExampleCampaign() with { MaxSharedBuyers = 1 };
        var doc = new WorkspaceDocument
        {
            Campaigns = [campaign, ExampleCampaign() with { Key = "wide", MaxSharedBuyers = 50 }],
            Buyers =
            [
                new BuyerConfig
                {
                    Key = "b", Name = "b",
                    Contracts =
                    [
                        DirectPost("no-price", 10m) with { SaleType = SaleTypes.Shared },
                        DirectPost("odd", 10m) with { SaleType = "semi" },
                    ],
                },
            ],
        };

        var errors = WorkspaceValidator.Validate(doc, doc);

        Assert.Contains(errors, e => e.Path == "$.campaigns[1].maxSharedBuyers");
        Assert.Contains(errors, e => e.Path == "$.buyers[0].contracts[0].sharedPrice");
        Assert.Contains(errors, e => e.Path == "$.buyers[0].contracts[0].saleType" && e.Message.Contains("sells exclusive only"));
        Assert.Contains(errors, e => e.Path == "$.buyers[0].contracts[1].saleType" && e.Message == "Choose exclusive, shared or both");
    }
}
