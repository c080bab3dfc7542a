using LeadHub.Core.Delivery;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeadHub.Core.Routing;
using LeadHub.Core.Workspace;
using Microsoft.Extensions.Time.Testing;

namespace LeadHub.Tests.Routing;

// One auction test's world: the CONTRACT §4 example campaign, the buyers a test adds, a fake
// transport, an in-memory cap ledger and a fake clock. The routing snapshot is built from a
// WorkspaceDocument on first use, after which the configuration is fixed.
public sealed class AuctionScenario
{
    public const string CampaignKey = "auto-insurance";

    // A Tuesday, 07:00 in Los Angeles.
    public static readonly DateTimeOffset Tuesday3pmUtc = new(2026, 11, 24, 15, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, string> NoKeys = [];

    private readonly List<BuyerConfig> _buyers = [];
    private CampaignConfig _campaign = ExampleCampaign();
    private RoutingSnapshot? _snapshot;
    private Auction? _auction;

    public AuctionScenario(DateTimeOffset? start = null) => Time = new FakeTimeProvider(start ?? Tuesday3pmUtc);

    public FakeTimeProvider Time { get; }
    public FakeBuyerTransport Transport { get; } = new();
    public InMemoryCapLedger Caps { get; } = new();
    public RecentRejects Rejects { get; } = new();
    private BuyerHealth? _health;
    public BuyerHealth Health => _health ??= new BuyerHealth(Time);

    public RoutingSnapshot Snapshot => _snapshot ??= new RoutingSnapshot(
        new WorkspaceDocument { Campaigns = [_campaign], Buyers = [.. _buyers] }, NoKeys, NoKeys, 1);

    public CampaignSnapshot Campaign => Snapshot.Campaigns[CampaignKey];

    // Expected-value ranking's odds: acceptance from Rejects, returns as a test publishes them.
    private ContractOdds? _odds;
    public ContractOdds Odds => _odds ??= new ContractOdds(Rejects);

    public Auction Auction => _auction ??= new Auction(Transport, Caps, Rejects, Health, Time, odds: Odds);

    public ContractSnapshot Contract(string key) => Snapshot.Contracts[key];

    // ---- configuration (before first use) ----

    public AuctionScenario WithCampaign(Func<CampaignConfig, CampaignConfig> change)
    {
        EnsureNotBuilt();
        _campaign = change(_campaign);
        return this;
    }

    public AuctionScenario Buyer(string key, CapsConfig? caps, params ContractConfig[] contracts) => Buyer(key, caps, null, contracts);

    // A buyer whose own caps count in `timeZone` (null: UTC).
    public AuctionScenario Buyer(string key, CapsConfig? caps, string? timeZone, params ContractConfig[] contracts)
    {
        EnsureNotBuilt();
        _buyers.Add(new BuyerConfig { Key = key, Name = key, Caps = caps, TimeZone = timeZone, Contracts = [.. contracts] });
        return this;
    }

    // Each contract with a buyer of its own ("<contract>-buyer").
    public AuctionScenario Contracts(params ContractConfig[] contracts)
    {
        foreach (var c in contracts) Buyer(c.Key + "-buyer", null, c);
        return this;
    }

    public static ContractConfig PingPost(string key, int tier = 0, int priority = 1) => new()
    {
        Key = key, Campaign = CampaignKey, Mode = ContractModes.PingPost, Tier = tier, Priority = priority,
        PingUrl = $"https://{key}.example/ping", PostUrl = $"https://{key}.example/post",
    };

    public static ContractConfig DirectPost(string key, decimal price, int tier = 0, int priority = 1) => new()
    {
        Key = key, Campaign = CampaignKey, Mode = ContractModes.DirectPost, Tier = tier, Priority = priority,
        PostUrl = $"https://{key}.example/post", Price = price,
    };

    public static FilterConfig Filter(string field, string op, object? value = null) =>
        new() { Field = field, Op = op, Value = value is null ? null : JsonSerializer.SerializeToElement(value) };

    // CONTRACT §4's example campaign.
    public static CampaignConfig ExampleCampaign() => new()
    {
        Key = CampaignKey, Name = "Auto insurance",
        AuctionTimeoutMs = 800, Floor = 2.00m, MaxPostAttempts = 3, BidTtlMs = 60_000, DedupeWindowDays = 30,
        Tiers = [new TierConfig { Tier = 0, Floor = 5.00m }, new TierConfig { Tier = 1, Floor = 1.00m }],
        Fields =
        [
            new FieldDefinition { Name = "first_name", Type = FieldTypes.String, Required = true, Pii = true },
            new FieldDefinition { Name = "phone", Type = FieldTypes.Phone, Required = true, Pii = true },
            new FieldDefinition { Name = "email", Type = FieldTypes.Email, Required = true, Pii = true },
            new FieldDefinition { Name = "zip", Type = FieldTypes.Zip, Required = true, Pii = false },
            new FieldDefinition { Name = "state", Type = FieldTypes.State, Required = true, Pii = false },
            new FieldDefinition { Name = "age", Type = FieldTypes.Integer, Min = 18, Max = 120, Pii = false },
            new FieldDefinition { Name = "homeowner", Type = FieldTypes.Boolean, Pii = false },
        ],
    };

    // ---- leads ----

    // CONTRACT §1's example lead (last_name is not a campaign field, so never pinged).
    public static JsonObject ExampleFields() => new()
    {
        ["first_name"] = "Ana", ["last_name"] = "Ruiz", ["email"] = "ana.ruiz@example.com", ["phone"] = "+14155550134",
        ["zip"] = "94107", ["state"] = "CA", ["age"] = 34, ["homeowner"] = true,
    };

    public AuctionLead Lead(Action<JsonObject>? change = null, bool test = false, TimeSpan receivedAgo = default)
    {
        var fields = ExampleFields();
        change?.Invoke(fields);
        var id = Guid.NewGuid();
        return new AuctionLead(id, "ping-" + id.ToString("N"), Campaign, fields, Campaign.PingFieldsOf(fields), test,
            Time.GetUtcNow() - receivedAgo);
    }

    public Task<AuctionResult> RunAsync(AuctionLead? lead = null, PingHold? hold = null) =>
        Auction.RunAsync(lead ?? Lead(), hold, CancellationToken.None);

    private void EnsureNotBuilt()
    {
        if (_snapshot is not null) throw new InvalidOperationException("Configure the scenario before the first auction.");
    }
}

public static class AuctionAssertions
{
    // A guard so a broken engine fails the test instead of hanging it; not used to wait for anything.
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Guard);

    public static Task Within(this Task task) => task.WaitAsync(Guard);

    public static TraceStep PingStep(this AuctionResult result, string contract) =>
        Assert.Single(result.Trace, s => s.Kind == TraceKinds.Ping && s.Contract == contract);

    public static IReadOnlyList<TraceStep> PostSteps(this AuctionResult result) =>
        [.. result.Trace.Where(s => s.Kind == TraceKinds.Post)];

    public static TraceStep PostStep(this AuctionResult result, string contract) =>
        Assert.Single(result.Trace, s => s.Kind == TraceKinds.Post && s.Contract == contract);
}
