using LeadHub.Core.Leads;
using LeadHub.Core.Routing;
using LeadHub.Core.Workspace;
using static LeadHub.Tests.Routing.AuctionScenario;

namespace LeadHub.Tests.Routing;

// README "Price rules" and "Payout rules": bid adjustments by publisher, sub-id, buyer and
// contract, applied before floors and ranking and shown in the trace; payouts beyond revshare/fixed.
public class PriceRuleTests
{
    private static PriceRuleConfig Percent(decimal amount, string? publisher = null, string? subId = null, string? buyer = null, string? contract = null) =>
        new() { Kind = PriceRuleKinds.Percent, Amount = amount, Publisher = publisher, SubId = subId, Buyer = buyer, Contract = contract };

    private static PriceRuleConfig Fixed(decimal amount, string? publisher = null, string? subId = null, string? buyer = null, string? contract = null) =>
        new() { Kind = PriceRuleKinds.Fixed, Amount = amount, Publisher = publisher, SubId = subId, Buyer = buyer, Contract = contract };

    private static AuctionScenario WithRules(params PriceRuleConfig[] rules) =>
        new AuctionScenario().WithCampaign(c => c with { PriceRules = [.. rules] });

    private static AuctionLead From(AuctionScenario s, string? publisher, string? subId = null) =>
        s.Lead() with { Publisher = publisher, SubId = subId };

    [Fact]
    public async Task A_publisher_margin_lowers_the_offer_in_the_trace_but_the_buyer_is_billed_its_bid()
    {
        var s = WithRules(Percent(10, publisher: "pub-x")).Contracts(PingPost("a"));
        s.Transport.Bids("a", 20m);

        var result = await s.RunAsync(From(s, "pub-x"));

        Assert.Equal("bid 20.00 → 18.00 after a 10 % margin for publisher pub-x", result.PingStep("a").Reason);
        Assert.Equal((20m, 18m), (result.Winner!.Price, result.Winner.Value));
        Assert.Equal(20m, s.Transport.PostsTo("a").Single().Request.Price);
    }

    [Fact]
    public async Task A_rule_for_another_publisher_changes_nothing()
    {
        var s = WithRules(Percent(10, publisher: "pub-x")).Contracts(PingPost("a"));
        s.Transport.Bids("a", 20m);

        var result = await s.RunAsync(From(s, "pub-y"));

        Assert.Null(result.PingStep("a").Reason);
        Assert.Equal(20m, result.Winner!.Value);
    }

    [Fact]
    public async Task A_buyer_margin_can_change_which_offer_wins()
    {
        // b bids more, but a 3.00 margin on b's buyer makes a's 11 the better offer.
        var s = WithRules(Fixed(3, buyer: "b-buyer")).Contracts(PingPost("a"), PingPost("b"));
        s.Transport.Bids("a", 11m).Bids("b", 12m);

        var result = await s.RunAsync();

        Assert.Equal("a", result.Winner?.Contract.Key);
        Assert.Equal("bid 12.00 → 9.00 after a 3.00 margin for buyer b-buyer", result.PingStep("b").Reason);
        Assert.Empty(s.Transport.PostsTo("b"));
    }

    [Fact]
    public async Task An_adjusted_offer_below_the_floor_is_not_posted()
    {
        var s = WithRules(Percent(50, contract: "a")).Contracts(PingPost("a"));   // tier 0 floor 5.00
        s.Transport.Bids("a", 8m);

        var result = await s.RunAsync();

        Assert.Null(result.Winner);
        Assert.Equal("bid 8.00 → 4.00 after a 50 % margin for contract a; value 4.00 below floor 5.00", result.PingStep("a").Reason);
    }

    [Fact]
    public async Task A_sub_id_rule_applies_to_that_sub_id_only()
    {
        var s = WithRules(Fixed(2, publisher: "pub-x", subId: "s-9")).Contracts(PingPost("a"));
        s.Transport.Bids("a", 10m);

        var tagged = await s.RunAsync(From(s, "pub-x", "s-9"));
        var other = await s.RunAsync(From(s, "pub-x", "s-1"));

        Assert.Equal(8m, tagged.Winner!.Value);
        Assert.Equal(10m, other.Winner!.Value);
    }

    [Fact]
    public async Task A_negative_amount_boosts_a_direct_post_price_and_says_so()
    {
        var s = WithRules(Percent(-10, contract: "fixed")).Contracts(DirectPost("fixed", 10m));

        var result = await s.RunAsync();

        Assert.Equal(11m, result.Winner!.Value);
        Assert.Contains(result.Trace, t => t.Contract == "fixed" && t.Reason == "bid 10.00 → 11.00 after a 10 % boost for contract fixed");
    }

    [Fact]
    public async Task The_campaign_wide_rule_applies_when_nothing_narrower_matches()
    {
        var s = WithRules(Percent(5)).Contracts(PingPost("a"));
        s.Transport.Bids("a", 10m);

        var result = await s.RunAsync(From(s, "anyone"));

        Assert.Equal("bid 10.00 → 9.50 after a 5 % margin for the campaign", result.PingStep("a").Reason);
    }

    [Fact]
    public async Task Held_bids_from_a_publisher_ping_get_the_rules_in_place_at_the_post()
    {
        var s = WithRules(Fixed(4, publisher: "pub-x")).Contracts(PingPost("a"), PingPost("b"));
        var hold = new PingHold([0], [new HeldBid("a", 0, 12m, s.Time.GetUtcNow()), new HeldBid("b", 0, 7m, s.Time.GetUtcNow())]);

        var result = await s.RunAsync(From(s, "pub-x"), hold);

        Assert.Equal((12m, 8m), (result.Winner!.Price, result.Winner.Value));
    }

    // ---- precedence: the most specific rule wins, ties go to the first listed ----

    private static ContractSnapshot ContractOf(string key = "c", string buyer = "acme")
    {
        var doc = new WorkspaceDocument
        {
            Campaigns = [ExampleCampaign()],
            Buyers = [new BuyerConfig { Key = buyer, Name = buyer, Contracts = [PingPost(key)] }],
        };
        return new RoutingSnapshot(doc, new Dictionary<string, string>(), new Dictionary<string, string>(), 1).Contracts[key];
    }

    [Theory]
    [InlineData("contract", 1)]
    [InlineData("buyer", 2)]
    [InlineData("sub-id", 3)]
    [InlineData("publisher", 4)]
    public void The_most_specific_matching_rule_wins(string expected, decimal expectedOff)
    {
        var all = new List<PriceRuleConfig>
        {
            Fixed(5),
            Fixed(4, publisher: "pub"),
            Fixed(3, publisher: "pub", subId: "s1"),
            Fixed(2, buyer: "acme"),
            Fixed(1, contract: "c"),
        };
        // Drop the rules more specific than the one expected to win.
        var keep = expected switch { "contract" => 5, "buyer" => 4, "sub-id" => 3, _ => 2 };
        var rules = new PriceRules(all.Take(keep).ToList());

        var (value, _) = rules.Apply(10m, "pub", "s1", ContractOf());

        Assert.Equal(10m - expectedOff, value);
    }

    [Fact]
    public void Of_two_equally_specific_rules_the_first_listed_wins()
    {
        var rules = new PriceRules([Percent(10, buyer: "acme"), Percent(50, buyer: "acme")]);

        Assert.Equal(9m, rules.Apply(10m, null, null, ContractOf()).Value);
    }

    [Fact]
    public void An_adjusted_value_is_never_below_zero()
    {
        var rules = new PriceRules([Fixed(25)]);

        var (value, note) = rules.Apply(10m, null, null, ContractOf());

        Assert.Equal(0m, value);
        Assert.Equal("bid 10.00 → 0.00 after a 25.00 margin for the campaign", note);
    }

    [Fact]
    public void A_percent_margin_is_rounded_down_to_the_cent()
    {
        var rules = new PriceRules([Percent(3)]);

        Assert.Equal(9.69m, rules.Apply(9.99m, null, null, ContractOf()).Value);   // 9.99 − 0.2997 = 9.6903
    }

    // ---- validation ----

    [Fact]
    public void Price_rules_that_name_nothing_real_are_refused_with_their_paths()
    {
        var campaign = ExampleCampaign() with
        {
            PriceRules =
            [
                new PriceRuleConfig { Kind = "markup", Amount = 5 },
                Percent(150),
                Fixed(0),
                Fixed(1, publisher: "ghost"),
                Fixed(1, subId: "s1"),
                Fixed(1, buyer: "nobody"),
                Fixed(1, contract: "elsewhere"),
            ],
        };
        var doc = new WorkspaceDocument { Campaigns = [campaign] };

        var errors = WorkspaceValidator.Validate(doc, doc);

        Assert.Contains(errors, e => e.Path == "$.campaigns[0].priceRules[0].kind");
        Assert.Contains(errors, e => e.Path == "$.campaigns[0].priceRules[1].amount");
        Assert.Contains(errors, e => e.Path == "$.campaigns[0].priceRules[2].amount");
        Assert.Contains(errors, e => e.Path == "$.campaigns[0].priceRules[3].publisher" && e.Message == "There is no publisher 'ghost'");
        Assert.Contains(errors, e => e.Path == "$.campaigns[0].priceRules[4].subId");
        Assert.Contains(errors, e => e.Path == "$.campaigns[0].priceRules[5].buyer");
        Assert.Contains(errors, e => e.Path == "$.campaigns[0].priceRules[6].contract");
    }
}

public class PayoutRuleTests
{
    [Theory]
    [InlineData(PayoutModels.Revshare, "70", null, null, null, "20", "14")]
    [InlineData(PayoutModels.Revshare, "70", null, "10", null, "20", "10")]        // capped revshare
    [InlineData(PayoutModels.Fixed, null, "12", null, "5", "20", "12")]            // fixed, margin kept: 20 − 12 ≥ 5
    [InlineData(PayoutModels.Fixed, null, "12", null, "5", "15", "10")]            // fixed shrinks to keep a 5.00 margin
    [InlineData(PayoutModels.Fixed, null, "12", null, "5", "3", "0")]              // never below zero
    [InlineData(PayoutModels.Revshare, "33.3", null, null, null, "10", "3.33")]    // rounded down to the cent
    public void A_payout_follows_its_model_cap_and_minimum_margin(string model, string? percent, string? amount, string? max, string? minMargin,
        string basis, string expected)
    {
        static decimal? D(string? s) => s is null ? null : decimal.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
        var payout = new PayoutConfig { Model = model, Percent = D(percent), Amount = D(amount), Max = D(max), MinMargin = D(minMargin) };

        Assert.Equal(D(expected), Payouts.For(payout, D(basis)!.Value));
    }

    [Fact]
    public void A_minimum_margin_is_kept_from_the_revenue_not_the_adjusted_basis()
    {
        var payout = new PayoutConfig { Model = PayoutModels.Revshare, Percent = 100, MinMargin = 2 };

        Assert.Equal(18m, Payouts.For(payout, basis: 18m, revenue: 20m));
    }

    [Fact]
    public void The_sub_id_payout_overrides_the_campaign_payout_which_overrides_the_default()
    {
        var publisher = new PublisherSnapshot(new PublisherConfig
        {
            Key = "p", Payout = new PayoutConfig { Percent = 70 },
            CampaignPayouts = new() { ["auto"] = new PayoutConfig { Percent = 60 } },
            SubIdPayouts = new() { ["s-9"] = new PayoutConfig { Model = PayoutModels.Fixed, Amount = 4 } },
        }, null);

        Assert.Equal(70m, publisher.PayoutFor("home", null).Percent);
        Assert.Equal(60m, publisher.PayoutFor("auto", "s-1").Percent);
        Assert.Equal(4m, publisher.PayoutFor("auto", "s-9").Amount);
    }

    [Fact]
    public void Payout_shares_of_a_shared_lead_add_up_to_the_payout()
    {
        var shares = Payouts.Shares(10m, [9m, 8m, 7m]);

        Assert.Equal([3.75m, 3.33m, 2.92m], shares);
        Assert.Equal(10m, shares.Sum());
    }

    [Fact]
    public void Bad_payout_rules_are_refused_with_their_paths()
    {
        var doc = new WorkspaceDocument
        {
            Campaigns = [AuctionScenario.ExampleCampaign()],
            Publishers =
            [
                new PublisherConfig
                {
                    Key = "p", Campaigns = [AuctionScenario.CampaignKey], Payout = new PayoutConfig { Percent = 70, Max = -1, MinMargin = -2 },
                    SubIdPayouts = new() { ["s-1"] = new PayoutConfig { Model = "bonus" } },
                },
            ],
        };

        var errors = WorkspaceValidator.Validate(doc, doc);

        Assert.Contains(errors, e => e.Path == "$.publishers[0].payout.max");
        Assert.Contains(errors, e => e.Path == "$.publishers[0].payout.minMargin");
        Assert.Contains(errors, e => e.Path == "$.publishers[0].subIdPayouts.s-1.model");
    }
}
