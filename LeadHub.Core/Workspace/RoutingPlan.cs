namespace LeadHub.Core.Workspace;

// How a campaign's auction runs: the parallel auction of CONTRACT §3.3 (every eligible contract of
// a tier pinged at once, the best offer posted), or the static ping tree it replaces (one contract
// at a time in priority order, the first that bids above the floors and takes the post wins).
public static class RoutingStrategies
{
    public const string Auction = "auction", Waterfall = "waterfall";
    public static readonly IReadOnlyList<string> All = [Auction, Waterfall];
}

// What orders the offers of a tier: the offer's value (its bid after price rules), or its expected
// value, value × P(post accepted) × (1 − P(returned)) from each contract's recent history, so a
// buyer that bids high and rejects often stops winning (README "Revenue lab").
public static class OfferRankings
{
    public const string Bid = "bid", ExpectedValue = "expected-value";
    public static readonly IReadOnlyList<string> All = [Bid, ExpectedValue];
}

// An alternative to a campaign's routing, as changes to it: what the revenue lab replays over
// recorded leads and what a live split routes its B share with. Null or empty means "as configured".
public sealed record RoutingPlan
{
    public string? Strategy { get; init; }
    public string? Ranking { get; init; }
    public decimal? Floor { get; init; }

    // Tier number → that tier's own floor.
    public Dictionary<int, decimal>? TierFloors { get; init; }

    // 1 turns post-reject off: the best offer is posted and a rejection ends the tier.
    public int? MaxPostAttempts { get; init; }
    public int? AuctionTimeoutMs { get; init; }
    public List<int>? RemoveTiers { get; init; }
    public List<string>? RemoveBuyers { get; init; }
    public List<string>? RemoveContracts { get; init; }

    // Contract key → the tier it takes part in; a tier number the campaign lacks adds a tier
    // (e.g. a fixed-price fallback tier).
    public Dictionary<string, int>? MoveContracts { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => this == Unchanged;

    public static readonly RoutingPlan Unchanged = new();

    // The campaign as this plan would run it. Contracts are filtered and moved by `TierOf` and `Takes`.
    public CampaignConfig Apply(CampaignConfig campaign)
    {
        var tiers = campaign.Tiers.Select(t => TierFloors?.TryGetValue(t.Tier, out var f) == true ? t with { Floor = f } : t).ToList();
        foreach (var (tier, floor) in TierFloors ?? [])
        {
            if (tiers.All(t => t.Tier != tier)) tiers.Add(new TierConfig { Tier = tier, Floor = floor });
        }
        return campaign with
        {
            Strategy = Strategy ?? campaign.Strategy,
            Ranking = Ranking ?? campaign.Ranking,
            Floor = Floor ?? campaign.Floor,
            Tiers = tiers,
            MaxPostAttempts = MaxPostAttempts ?? campaign.MaxPostAttempts,
            AuctionTimeoutMs = AuctionTimeoutMs ?? campaign.AuctionTimeoutMs,
            // A plan never carries a split of its own.
            Split = null,
        };
    }

    public bool Takes(ContractConfig contract, string buyer) =>
        !(RemoveContracts?.Contains(contract.Key) ?? false)
        && !(RemoveBuyers?.Contains(buyer) ?? false)
        && !(RemoveTiers?.Contains(TierOf(contract)) ?? false);

    public int TierOf(ContractConfig contract) =>
        MoveContracts?.TryGetValue(contract.Key, out var tier) == true ? tier : contract.Tier;

    public override int GetHashCode() => 0;

    public bool Equals(RoutingPlan? other) =>
        other is not null && Strategy == other.Strategy && Ranking == other.Ranking && Floor == other.Floor
        && MaxPostAttempts == other.MaxPostAttempts && AuctionTimeoutMs == other.AuctionTimeoutMs
        && Same(TierFloors, other.TierFloors) && Same(MoveContracts, other.MoveContracts)
        && Same(RemoveTiers, other.RemoveTiers) && Same(RemoveBuyers, other.RemoveBuyers) && Same(RemoveContracts, other.RemoveContracts);

    private static bool Same<T>(IReadOnlyCollection<T>? a, IReadOnlyCollection<T>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a is null || b is null || a.All(b.Contains));
}

// A live split: a share of the campaign's new leads is routed by plan B, the rest as configured.
// The id names the experiment: a lead's arm is a hash of its id and this id (Lab/SplitArms), and
// the dashboard compares the arms of one id. A new id starts a new experiment.
public sealed record SplitConfig
{
    public string Id { get; init; } = "";

    // Of new leads, the share routed by plan B: 0.10 is 10 %.
    public decimal ShareB { get; init; } = 0.10m;
    public RoutingPlan PlanB { get; init; } = new();
    public DateTimeOffset? StartedAt { get; init; }
}
