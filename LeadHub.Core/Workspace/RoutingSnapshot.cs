using System.Collections.Frozen;
using System.Text.Json.Nodes;
using LeadHub.Core.Delivery;
using LeadHub.Core.Routing;

namespace LeadHub.Core.Workspace;

// An immutable, pre-compiled view of the configuration that the hot path reads instead of the
// database. A configuration change builds a new one and swaps the reference.
public sealed class RoutingSnapshot
{
    public long Version { get; }
    public FrozenDictionary<string, CampaignSnapshot> Campaigns { get; }
    public FrozenDictionary<string, PublisherSnapshot> Publishers { get; }
    public FrozenDictionary<string, BuyerSnapshot> Buyers { get; }
    public FrozenDictionary<string, ContractSnapshot> Contracts { get; }

    // Keyed by the hex SHA-256 of the API key: the clear key is never kept.
    public FrozenDictionary<string, PublisherSnapshot> PublishersByKeyHash { get; }
    public FrozenDictionary<string, BuyerSnapshot> BuyersByKeyHash { get; }

    public static readonly RoutingSnapshot Empty = new(new WorkspaceDocument(), new Dictionary<string, string>(), new Dictionary<string, string>(), 0);

    // `contractSecrets` are the decrypted buyer credentials by contract key; they end up only in
    // each contract's compiled format.
    public RoutingSnapshot(WorkspaceDocument doc, IReadOnlyDictionary<string, string> publisherKeyHashes,
        IReadOnlyDictionary<string, string> buyerKeyHashes, long version, IReadOnlyDictionary<string, ContractSecrets>? contractSecrets = null)
    {
        Version = version;
        Publishers = doc.Publishers.ToFrozenDictionary(p => p.Key,
            p => new PublisherSnapshot(p, publisherKeyHashes.GetValueOrDefault(p.Key)) { Workspace = this });
        PublishersByKeyHash = Publishers.Values.Where(p => p.ApiKeyHash is not null)
            .ToFrozenDictionary(p => p.ApiKeyHash!, p => p);
        Buyers = doc.Buyers.ToFrozenDictionary(b => b.Key, b => new BuyerSnapshot(b, buyerKeyHashes.GetValueOrDefault(b.Key)));
        BuyersByKeyHash = Buyers.Values.Where(b => b.ApiKeyHash is not null).ToFrozenDictionary(b => b.ApiKeyHash!, b => b);

        var contracts = new Dictionary<string, ContractSnapshot>();
        foreach (var buyer in doc.Buyers)
        {
            foreach (var c in buyer.Contracts)
                contracts[c.Key] = new ContractSnapshot(c, Buyers[buyer.Key], contractSecrets?.GetValueOrDefault(c.Key),
                    doc.Campaigns.FirstOrDefault(k => k.Key == c.Campaign)?.MaxBid);
        }
        Contracts = contracts.ToFrozenDictionary();

        Campaigns = doc.Campaigns.ToFrozenDictionary(c => c.Key,
            c => CampaignSnapshot.Build(c, contracts.Values.Where(k => k.Config.Campaign == c.Key).ToList()));
    }
}

public sealed class CampaignSnapshot
{
    public CampaignConfig Config { get; }
    public string Key => Config.Key;

    // Tiers in the order they are tried, each with the contracts that can take part at all.
    public IReadOnlyList<TierSnapshot> Tiers { get; }
    public TimeSpan AuctionTimeout { get; }
    public TimeSpan BidTtl { get; }

    // Pings carry only these: every field the campaign did not mark as PII.
    public FrozenSet<string> PingFieldNames { get; }

    public PriceRules PriceRules { get; }

    // 2 or more: leads may be sold shared to up to this many buyers.
    public int MaxSharedBuyers => Config.MaxSharedBuyers;

    public bool IsWaterfall => Config.Strategy == RoutingStrategies.Waterfall;
    public bool RanksByExpectedValue => Config.Ranking == OfferRankings.ExpectedValue;

    // Set on the campaign as configured when it runs a live split: the campaign as plan B routes it.
    public CampaignSnapshot? PlanB { get; private init; }

    // Which arm of the split this snapshot routes: null without a split, else SplitArms.A or .B.
    public string? Arm { get; private init; }
    public string? SplitId { get; private init; }

    // The snapshot that routes this lead: plan B for its share of a live split, else this one.
    public CampaignSnapshot For(Guid leadId) =>
        PlanB is not null && Config.Split is { } split && Lab.SplitArms.Of(leadId, split.Id, split.ShareB) == Lab.SplitArms.B ? PlanB : this;

    // The campaign as configured, with its split's plan B beside it.
    public static CampaignSnapshot Build(CampaignConfig config, IReadOnlyList<ContractSnapshot> contracts)
    {
        if (config.Split is not { } split) return new CampaignSnapshot(config, contracts);
        return new CampaignSnapshot(config, contracts)
        {
            Arm = Lab.SplitArms.A,
            SplitId = split.Id,
            PlanB = new CampaignSnapshot(split.PlanB.Apply(config), contracts, split.PlanB) { Arm = Lab.SplitArms.B, SplitId = split.Id },
        };
    }

    // The campaign as `plan` would route it (revenue lab, live split). An empty plan gives the campaign as it is.
    public CampaignSnapshot(CampaignConfig config, IReadOnlyList<ContractSnapshot> contracts, RoutingPlan? plan = null)
    {
        plan ??= RoutingPlan.Unchanged;
        Config = config;
        AuctionTimeout = TimeSpan.FromMilliseconds(config.AuctionTimeoutMs);
        BidTtl = TimeSpan.FromMilliseconds(config.BidTtlMs);
        PingFieldNames = config.Fields.Where(f => !f.Pii).Select(f => f.Name).ToFrozenSet();
        PriceRules = new PriceRules(config.PriceRules ?? []);
        var floors = config.Tiers.ToDictionary(t => t.Tier, t => t.Floor);
        // A paused campaign still takes and stores leads, but offers them to nobody.
        Tiers = contracts
            .Where(c => config.Active && c.Config.Active && c.Buyer.Config.Active && plan.Takes(c.Config, c.Buyer.Key))
            .GroupBy(c => plan.TierOf(c.Config))
            .OrderBy(g => g.Key)
            .Select(g => new TierSnapshot(g.Key, Math.Max(config.Floor, floors.GetValueOrDefault(g.Key)),
                g.OrderBy(c => c.Config.Priority).ToList()))
            .ToList();
    }

    public JsonObject PingFieldsOf(JsonObject fields)
    {
        var ping = new JsonObject();
        foreach (var (name, value) in fields)
        {
            if (PingFieldNames.Contains(name)) ping[name] = value?.DeepClone();
        }
        return ping;
    }
}

// Floor already combines the campaign floor and the tier's own.
public sealed record TierSnapshot(int Tier, decimal Floor, IReadOnlyList<ContractSnapshot> Contracts);

public sealed record PublisherSnapshot(PublisherConfig Config, string? ApiKeyHash)
{
    public string Key => Config.Key;

    // The configuration this publisher was found in: a lead is routed by the one snapshot its
    // request was authenticated against, read once, never by a newer one half-way.
    public RoutingSnapshot? Workspace { get; init; }
    private readonly FrozenSet<string> _campaigns = Config.Campaigns.ToFrozenSet();

    public bool MayPostTo(string campaign) => _campaigns.Contains(campaign);

    private readonly FrozenSet<string> _blockedSubIds = (Config.BlockedSubIds ?? []).ToFrozenSet();

    public bool Blocks(string? subId) => subId is not null && _blockedSubIds.Contains(subId);

    // The most specific payout: the sub-id's, then the campaign's, then the publisher's own.
    public PayoutConfig PayoutFor(string campaign, string? subId = null) =>
        (subId is null ? null : Config.SubIdPayouts?.GetValueOrDefault(subId))
        ?? Config.CampaignPayouts?.GetValueOrDefault(campaign) ?? Config.Payout;
}

public sealed record BuyerSnapshot(BuyerConfig Config, string? ApiKeyHash)
{
    public string Key => Config.Key;

    // Where the buyer's caps count their periods; validated on import, UTC if unset.
    public TimeZoneInfo Zone { get; } = TimeZoneInfo.TryFindSystemTimeZoneById(Config.TimeZone ?? "UTC", out var zone) ? zone : TimeZoneInfo.Utc;
}

public sealed class ContractSnapshot
{
    public ContractConfig Config { get; }
    public BuyerSnapshot Buyer { get; }
    public string Key => Config.Key;
    public IReadOnlyList<Filter> Filters { get; }
    public Schedule Schedule { get; }
    public bool IsDirectPost => Config.Mode == ContractModes.DirectPost;
    public TimeSpan PingTimeout { get; }
    public TimeSpan PostTimeout { get; }

    // How this buyer is pinged and posted to: its own format, or the reference JSON of CONTRACT §2.
    public CompiledFormat Format { get; }

    public ContractSnapshot(ContractConfig config, BuyerSnapshot buyer, ContractSecrets? secrets = null, decimal? campaignMaxBid = null)
    {
        Config = config;
        Buyer = buyer;
        Filters = config.Filters.Select(Filter.Compile).ToList();
        Schedule = Schedule.Compile(config.Schedule);
        PingTimeout = TimeSpan.FromMilliseconds(config.TimeoutMs);
        PostTimeout = TimeSpan.FromMilliseconds(config.PostTimeoutMs);
        // A bid above the lower of the contract's and the campaign's maxBid is read as an error.
        Format = CompiledFormat.Compile(config, secrets, campaignMaxBid);
    }
}

public sealed class RoutingSnapshotHolder
{
    private volatile RoutingSnapshot _current = RoutingSnapshot.Empty;

    public RoutingSnapshot Current => _current;

    // Raised after every swap: live views and tests learn of a configuration change without polling.
    public event Action<RoutingSnapshot>? Swapped;

    private readonly Lock _lock = new();

    // A reload that read an older version than the one in place (two reloads racing) is dropped.
    public void Swap(RoutingSnapshot next)
    {
        lock (_lock)
        {
            if (next.Version < _current.Version) return;
            _current = next;
        }
        Swapped?.Invoke(next);
    }
}
