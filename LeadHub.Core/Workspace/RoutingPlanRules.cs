using System.Globalization;

namespace LeadHub.Core.Workspace;

// What makes a routing plan (a live split's plan B, a replay's alternative) one LeadHub can run on
// a campaign: settings in the ranges the campaign's own allow, and only buyers, contracts and tiers
// that exist. Paths are JSON paths under `path`: "$" for a plan on its own (the replay API),
// "$.campaigns[0].split.planB" inside a workspace file.
public static class RoutingPlanRules
{
    public static List<WorkspaceError> Problems(RoutingPlan plan, CampaignConfig campaign, IReadOnlyCollection<string> buyerKeys,
        IReadOnlyDictionary<string, string> contractCampaigns, string path = "$")
    {
        var errors = new List<WorkspaceError>();
        void Error(string at, string message) => errors.Add(new WorkspaceError(at, message));

        if (plan.Strategy is not null && !RoutingStrategies.All.Contains(plan.Strategy))
            Error($"{path}.strategy", StrategyRule);
        if (plan.Ranking is not null && !OfferRankings.All.Contains(plan.Ranking))
            Error($"{path}.ranking", RankingRule);
        if (plan.Floor is < 0) Error($"{path}.floor", "must not be negative");
        if (plan.MaxPostAttempts is < WorkspaceValidator.MinPostAttempts or > WorkspaceValidator.MaxPostAttempts)
            Error($"{path}.maxPostAttempts", WorkspaceValidator.PostAttemptsRule);
        if (plan.AuctionTimeoutMs is < WorkspaceValidator.MinAuctionTimeoutMs or > WorkspaceValidator.MaxAuctionTimeoutMs)
            Error($"{path}.auctionTimeoutMs", WorkspaceValidator.AuctionTimeoutRule);

        foreach (var (tier, floor) in plan.TierFloors ?? [])
        {
            var at = $"{path}.tierFloors.{Number(tier)}";
            if (tier < 0) Error(at, TierRule);
            if (floor < 0) Error(at, "a floor must not be negative");
        }

        for (var i = 0; i < (plan.RemoveTiers?.Count ?? 0); i++)
        {
            if (plan.RemoveTiers![i] < 0) Error($"{path}.removeTiers[{i}]", TierRule);
        }

        for (var i = 0; i < (plan.RemoveBuyers?.Count ?? 0); i++)
        {
            var buyer = plan.RemoveBuyers![i];
            if (buyer is null) Error($"{path}.removeBuyers[{i}]", "must not be null");
            else if (!buyerKeys.Contains(buyer)) Error($"{path}.removeBuyers[{i}]", $"There is no buyer '{buyer}'");
        }

        for (var i = 0; i < (plan.RemoveContracts?.Count ?? 0); i++)
        {
            var contract = plan.RemoveContracts![i];
            if (contract is null) Error($"{path}.removeContracts[{i}]", "must not be null");
            else if (ContractProblem(contract, campaign, contractCampaigns) is { } problem) Error($"{path}.removeContracts[{i}]", problem);
        }

        foreach (var (contract, tier) in plan.MoveContracts ?? [])
        {
            var at = $"{path}.moveContracts.{contract}";
            if (ContractProblem(contract, campaign, contractCampaigns) is { } problem) Error(at, problem);
            if (tier < 0) Error(at, TierRule);
            else if (plan.RemoveTiers?.Contains(tier) == true) Error(at, $"moves the contract to tier {Number(tier)}, which the plan removes");
            if (plan.RemoveContracts?.Contains(contract) == true) Error(at, "the plan removes this contract: remove it or move it, not both");
        }
        return errors;
    }

    public static readonly string StrategyRule = $"Choose {string.Join(" or ", RoutingStrategies.All)}";
    public static readonly string RankingRule = $"Choose {string.Join(" or ", OfferRankings.All)}";
    private const string TierRule = "a tier number must not be negative (tier 0 runs first)";

    private static string? ContractProblem(string contract, CampaignConfig campaign, IReadOnlyDictionary<string, string> contractCampaigns) =>
        !contractCampaigns.TryGetValue(contract, out var owner) ? $"There is no contract '{contract}'"
        : owner != campaign.Key ? $"contract '{contract}' belongs to campaign '{owner}', not '{campaign.Key}'"
        : null;

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
}
