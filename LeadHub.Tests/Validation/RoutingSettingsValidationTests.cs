using LeadHub.Core.Workspace;
using LeadHub.Tests.Routing;

namespace LeadHub.Tests.Validation;

// The revenue lab's settings in the workspace file: a campaign's strategy and ranking, its live
// split and the split's plan B (RoutingPlanRules), each refused with its own message and JSON path.
public class RoutingSettingsValidationTests
{
    private const string Plan = "$.campaigns[0].split.planB";

    private static WorkspaceDocument Doc(Func<CampaignConfig, CampaignConfig> change) => new()
    {
        Campaigns = [change(AuctionScenario.ExampleCampaign()), AuctionScenario.ExampleCampaign() with { Key = "solar", Name = "Solar" }],
        Buyers =
        [
            new BuyerConfig { Key = "acme", Name = "Acme", Contracts = [AuctionScenario.PingPost("acme-auto"), AuctionScenario.PingPost("acme-solar") with { Campaign = "solar" }] },
            new BuyerConfig { Key = "backup", Name = "Backup", Contracts = [AuctionScenario.DirectPost("backup-auto", 3m, tier: 1)] },
        ],
    };

    private static List<WorkspaceError> Errors(Func<CampaignConfig, CampaignConfig> change)
    {
        var doc = Doc(change);
        return WorkspaceValidator.Validate(doc, doc);
    }

    private static List<WorkspaceError> PlanErrors(RoutingPlan plan) =>
        Errors(c => c with { Split = new SplitConfig { Id = "exp-1", ShareB = 0.1m, PlanB = plan } });

    private static void AssertError(List<WorkspaceError> errors, string path, string message) =>
        Assert.Contains(new WorkspaceError(path, message), errors);

    [Fact]
    public void A_campaign_with_every_routing_setting_valid_passes()
    {
        var errors = Errors(c => c with
        {
            Strategy = RoutingStrategies.Waterfall,
            Ranking = OfferRankings.ExpectedValue,
            Split = new SplitConfig
            {
                Id = "waterfall-vs-auction", ShareB = 0.25m, StartedAt = AuctionScenario.Tuesday3pmUtc,
                PlanB = new RoutingPlan
                {
                    Strategy = RoutingStrategies.Auction, Ranking = OfferRankings.Bid, Floor = 0, MaxPostAttempts = 1, AuctionTimeoutMs = 50,
                    TierFloors = new() { [0] = 6m, [2] = 0m }, RemoveTiers = [1], RemoveBuyers = ["backup"], RemoveContracts = ["backup-auto"],
                    MoveContracts = new() { ["acme-auto"] = 2 },
                },
            },
        });

        Assert.Empty(errors);
    }

    [Fact]
    public void A_split_without_a_start_time_or_plan_changes_passes()
    {
        Assert.Empty(Errors(c => c with { Split = new SplitConfig { Id = "a-a-test", ShareB = 0.5m } }));
    }

    [Fact]
    public void An_unknown_strategy_or_ranking_is_refused_with_the_choices()
    {
        var errors = Errors(c => c with { Strategy = "ping-tree", Ranking = "ev" });

        AssertError(errors, "$.campaigns[0].strategy", "Choose auction or waterfall");
        AssertError(errors, "$.campaigns[0].ranking", "Choose bid or expected-value");
    }

    [Theory]
    [InlineData("")]
    [InlineData("Spring Test")]
    public void A_split_needs_an_id_like_a_key(string id)
    {
        var errors = Errors(c => c with { Split = new SplitConfig { Id = id, ShareB = 0.1m } });

        AssertError(errors, "$.campaigns[0].split.id", "names the experiment: use lower-case letters, digits and dashes, up to 64 characters");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-0.1)]
    [InlineData(10)]
    public void A_split_share_must_be_strictly_between_0_and_1(double share)
    {
        var errors = Errors(c => c with { Split = new SplitConfig { Id = "exp-1", ShareB = (decimal)share } });

        AssertError(errors, "$.campaigns[0].split.shareB", "must be between 0 and 1, both excluded (0.10 routes 10 % of new leads by plan B)");
    }

    [Fact]
    public void A_split_without_plan_b_is_refused()
    {
        var errors = Errors(c => c with { Split = new SplitConfig { Id = "exp-1", ShareB = 0.1m, PlanB = null! } });

        AssertError(errors, "$.campaigns[0].split.planB", "is required (an empty plan routes B like A)");
    }

    [Fact]
    public void Plan_b_strategy_ranking_floor_attempts_and_timeout_keep_to_the_campaigns_ranges()
    {
        var errors = PlanErrors(new RoutingPlan { Strategy = "random", Ranking = "luck", Floor = -1, MaxPostAttempts = 0, AuctionTimeoutMs = 49 });

        AssertError(errors, $"{Plan}.strategy", "Choose auction or waterfall");
        AssertError(errors, $"{Plan}.ranking", "Choose bid or expected-value");
        AssertError(errors, $"{Plan}.floor", "must not be negative");
        AssertError(errors, $"{Plan}.maxPostAttempts", "must be between 1 and 20");
        AssertError(errors, $"{Plan}.auctionTimeoutMs", "must be between 50 and 60000");
        AssertError(PlanErrors(new RoutingPlan { MaxPostAttempts = 21, AuctionTimeoutMs = 60_001 }), $"{Plan}.maxPostAttempts", "must be between 1 and 20");
        AssertError(PlanErrors(new RoutingPlan { AuctionTimeoutMs = 60_001 }), $"{Plan}.auctionTimeoutMs", "must be between 50 and 60000");
    }

    [Fact]
    public void Plan_b_tier_numbers_and_tier_floors_must_not_be_negative()
    {
        var errors = PlanErrors(new RoutingPlan
        {
            TierFloors = new() { [-1] = 2m, [1] = -0.5m }, RemoveTiers = [1, -2], MoveContracts = new() { ["acme-auto"] = -1 },
        });

        AssertError(errors, $"{Plan}.tierFloors.-1", "a tier number must not be negative (tier 0 runs first)");
        AssertError(errors, $"{Plan}.tierFloors.1", "a floor must not be negative");
        AssertError(errors, $"{Plan}.removeTiers[1]", "a tier number must not be negative (tier 0 runs first)");
        AssertError(errors, $"{Plan}.moveContracts.acme-auto", "a tier number must not be negative (tier 0 runs first)");
    }

    [Fact]
    public void Plan_b_removes_only_buyers_that_exist()
    {
        var errors = PlanErrors(new RoutingPlan { RemoveBuyers = ["acme", "ghost"] });

        AssertError(errors, $"{Plan}.removeBuyers[1]", "There is no buyer 'ghost'");
        Assert.DoesNotContain(errors, e => e.Path == $"{Plan}.removeBuyers[0]");
    }

    [Fact]
    public void Plan_b_removes_and_moves_only_contracts_of_its_own_campaign()
    {
        var errors = PlanErrors(new RoutingPlan
        {
            RemoveContracts = ["backup-auto", "ghost", "acme-solar"],
            MoveContracts = new() { ["nobody"] = 1, ["acme-solar"] = 1 },
        });

        Assert.DoesNotContain(errors, e => e.Path == $"{Plan}.removeContracts[0]");
        AssertError(errors, $"{Plan}.removeContracts[1]", "There is no contract 'ghost'");
        AssertError(errors, $"{Plan}.removeContracts[2]", "contract 'acme-solar' belongs to campaign 'solar', not 'auto-insurance'");
        AssertError(errors, $"{Plan}.moveContracts.nobody", "There is no contract 'nobody'");
        AssertError(errors, $"{Plan}.moveContracts.acme-solar", "contract 'acme-solar' belongs to campaign 'solar', not 'auto-insurance'");
    }

    [Fact]
    public void Plan_b_cannot_move_a_contract_it_removes_or_into_a_tier_it_removes()
    {
        var errors = PlanErrors(new RoutingPlan
        {
            RemoveTiers = [1], RemoveContracts = ["backup-auto"], MoveContracts = new() { ["acme-auto"] = 1, ["backup-auto"] = 0 },
        });

        AssertError(errors, $"{Plan}.moveContracts.acme-auto", "moves the contract to tier 1, which the plan removes");
        AssertError(errors, $"{Plan}.moveContracts.backup-auto", "the plan removes this contract: remove it or move it, not both");
    }

    [Fact]
    public void A_null_in_plan_b_lists_is_refused_not_a_crash()
    {
        var doc = Doc(c => c with { Split = new SplitConfig { Id = "exp-1", PlanB = new RoutingPlan { RemoveContracts = [null!], RemoveBuyers = [null!] } } });

        var nulls = WorkspaceValidator.CheckNullEntries(doc);
        var errors = WorkspaceValidator.Validate(doc, doc);

        Assert.Contains(new WorkspaceError($"{Plan}.removeContracts[0]", "must not be null"), nulls);
        Assert.Contains(new WorkspaceError($"{Plan}.removeBuyers[0]", "must not be null"), nulls);
        Assert.Contains(new WorkspaceError($"{Plan}.removeContracts[0]", "must not be null"), errors);
    }

    [Fact]
    public void A_plan_on_its_own_is_checked_with_paths_from_its_root()
    {
        var campaign = AuctionScenario.ExampleCampaign();
        var contracts = new Dictionary<string, string> { ["acme-auto"] = campaign.Key };

        var errors = RoutingPlanRules.Problems(new RoutingPlan { RemoveContracts = ["ghost"], Floor = -2 }, campaign, ["acme"], contracts);

        Assert.Equal(
            [new WorkspaceError("$.floor", "must not be negative"), new WorkspaceError("$.removeContracts[0]", "There is no contract 'ghost'")],
            errors);
        Assert.Empty(RoutingPlanRules.Problems(new RoutingPlan { RemoveContracts = ["acme-auto"] }, campaign, ["acme"], contracts));
    }
}
