using System.Text.Json;
using LeadHub.Core;
using LeadHub.Core.Workspace;

namespace LeadHub.Web.Sandbox;

// A small but realistic network: three verticals, five publishers, a dozen buyers in
// segments, ping-post and direct-post contracts, filters, floors, caps, schedules, and a
// fixed-price fallback tier per campaign. Buyers are the sandbox buyers of this same app.
public static class DemoWorkspace
{
    public const string SandboxPath = "/sandbox/buyers/";

    public static readonly IReadOnlyDictionary<string, SandboxBuyerProfile> SandboxProfiles = new Dictionary<string, SandboxBuyerProfile>
    {
        ["acme-insurance"] = new() { BidMean = 18, BidStdDev = 4, StateFactors = new() { ["CA"] = 1.3m, ["NY"] = 1.2m }, PassRate = 0.15 },
        ["shield-auto"] = new() { BidMean = 15, BidStdDev = 5, PassRate = 0.25, RejectRate = 0.2 },
        ["rapid-quote"] = new() { BidMean = 11, BidStdDev = 2, PassRate = 0.1, LatencyMeanMs = 40, LatencyStdDevMs = 10 },
        ["westcoast-ins"] = new() { BidMean = 21, BidStdDev = 4, StateFactors = new() { ["CA"] = 1.2m }, PassRate = 0.3, LatencyMeanMs = 150, LatencyStdDevMs = 60 },
        ["budget-auto"] = new() { RejectRate = 0.05 },
        ["sunpower-direct"] = new() { BidMean = 35, BidStdDev = 8, PassRate = 0.3, StateFactors = new() { ["AZ"] = 1.3m, ["CA"] = 1.2m, ["TX"] = 1.1m } },
        ["brightpath-solar"] = new() { BidMean = 28, BidStdDev = 6, PassRate = 0.2, RejectRate = 0.35, RejectReasons = ["bad phone", "duplicate", "renter"] },
        ["solar-leads-hub"] = new() { RejectRate = 0.1 },
        ["lendwell"] = new() { BidMean = 45, BidStdDev = 10, PassRate = 0.25, SeniorFactor = 0.7m },
        ["homeloan-pros"] = new() { BidMean = 38, BidStdDev = 9, PassRate = 0.2, LatencyMeanMs = 220, LatencyStdDevMs = 120 },
        ["rateshop"] = new() { BidMean = 30, BidStdDev = 7, PassRate = 0.15, RejectRate = 0.15 },
        ["mortgage-backup"] = new() { RejectRate = 0.05 },
    };

    public static readonly string[] PublisherKeys = ["blue-media", "leadgen-co", "quote-wizard", "solar-clicks", "home-funnel"];

    public static WorkspaceDocument Build(string baseUrl)
    {
        string Ping(string buyer) => $"{baseUrl}{SandboxPath}{buyer}/ping";
        string Post(string buyer) => $"{baseUrl}{SandboxPath}{buyer}/post";
        ContractConfig PingPost(string buyer, string campaign, int tier = 0, decimal? minBid = null, int priority = 1) => new()
        {
            Key = $"{buyer}-{campaign}", Campaign = campaign, Mode = ContractModes.PingPost, Tier = tier, Priority = priority,
            PingUrl = Ping(buyer), PostUrl = Post(buyer), MinBid = minBid, TimeoutMs = 400, PostTimeoutMs = 2000,
        };
        ContractConfig Fallback(string buyer, string campaign, decimal price) => new()
        {
            Key = $"{buyer}-{campaign}", Campaign = campaign, Mode = ContractModes.DirectPost, Tier = 1, PostUrl = Post(buyer),
            Price = price, PostTimeoutMs = 2000,
        };
        BuyerConfig Buyer(string key, string name, string[] segments, CapsConfig? caps, params ContractConfig[] contracts) => new()
        {
            Key = key, Name = name, Segments = [.. segments], Caps = caps, Contracts = [.. contracts],
        };

        return new WorkspaceDocument
        {
            Campaigns = [AutoInsurance(), Solar(), Mortgage()],
            Publishers =
            [
                Publisher("blue-media", "Blue Media", ["auto-insurance", "mortgage"], new PayoutConfig { Model = PayoutModels.Revshare, Percent = 70 }),
                Publisher("leadgen-co", "LeadGen Co", ["auto-insurance", "solar"], new PayoutConfig { Model = PayoutModels.Revshare, Percent = 65 }),
                Publisher("quote-wizard", "Quote Wizard", ["auto-insurance"], new PayoutConfig { Model = PayoutModels.Fixed, Amount = 6 }),
                Publisher("solar-clicks", "Solar Clicks", ["solar"], new PayoutConfig { Model = PayoutModels.Revshare, Percent = 75 }),
                Publisher("home-funnel", "Home Funnel", ["mortgage", "solar"], new PayoutConfig { Model = PayoutModels.Fixed, Amount = 15 }),
            ],
            // Priorities are the static ping tree a manager would have had before the auction: the
            // long-standing partners first (a fast aggregator that bids low, a buyer that rejects a lot),
            // the high bidders after. A revenue-lab replay of "waterfall by priority" shows what that costs.
            Buyers =
            [
                Buyer("acme-insurance", "Acme Insurance", ["insurance", "national"], new CapsConfig { Daily = 5000 },
                    PingPost("acme-insurance", "auto-insurance", minBid: 8, priority: 3) with
                    {
                        Filters = [Filter("age", FilterOps.Between, new[] { 21, 75 }), Filter("tcpa_consent", FilterOps.Eq, true)],
                        Caps = new CapsConfig { Daily = 2000, DailyBudget = 40000 },
                    }),
                Buyer("shield-auto", "Shield Auto", ["insurance", "national"], null,
                    PingPost("shield-auto", "auto-insurance", priority: 2) with { Caps = new CapsConfig { Hourly = 400 } }),
                Buyer("rapid-quote", "Rapid Quote", ["insurance", "aggregator"], null, PingPost("rapid-quote", "auto-insurance", priority: 1)),
                Buyer("westcoast-ins", "West Coast Insurance", ["insurance", "west"], null,
                    PingPost("westcoast-ins", "auto-insurance", minBid: 10, priority: 4) with
                    {
                        Filters = [Filter("state", FilterOps.In, new[] { "CA", "NV", "OR", "WA", "AZ" }), Filter("homeowner", FilterOps.Eq, true)],
                        Schedule = new ScheduleConfig { TimeZone = "America/Los_Angeles", Days = ["mon", "tue", "wed", "thu", "fri", "sat"], Start = "06:00", End = "22:00" },
                    }),
                Buyer("budget-auto", "Budget Auto (fallback)", ["insurance", "fallback"], null, Fallback("budget-auto", "auto-insurance", 3.5m)),
                Buyer("sunpower-direct", "SunPower Direct", ["solar", "national"], new CapsConfig { Daily = 3000 },
                    PingPost("sunpower-direct", "solar", minBid: 15, priority: 2) with
                    {
                        Filters = [Filter("homeowner", FilterOps.Eq, true), Filter("monthly_electric_bill", FilterOps.Gte, 100)],
                    }),
                Buyer("brightpath-solar", "BrightPath Solar", ["solar", "south"], null,
                    PingPost("brightpath-solar", "solar", priority: 1) with
                    {
                        Filters = [Filter("state", FilterOps.In, new[] { "AZ", "TX", "FL", "NV", "CA", "NM" })],
                        Schedule = new ScheduleConfig { TimeZone = "America/Phoenix", Start = "07:00", End = "21:00" },
                    }),
                Buyer("solar-leads-hub", "Solar Leads Hub (fallback)", ["solar", "fallback"], null, Fallback("solar-leads-hub", "solar", 6)),
                Buyer("lendwell", "LendWell", ["mortgage", "national"], new CapsConfig { Daily = 2500 },
                    PingPost("lendwell", "mortgage", minBid: 20, priority: 3) with
                    {
                        Filters = [Filter("credit_score", FilterOps.In, new[] { "excellent", "good" }), Filter("loan_amount", FilterOps.Gte, 100000)],
                        Caps = new CapsConfig { DailyBudget = 60000 },
                    }),
                Buyer("homeloan-pros", "HomeLoan Pros", ["mortgage", "east"], null,
                    PingPost("homeloan-pros", "mortgage", priority: 2) with
                    {
                        Schedule = new ScheduleConfig { TimeZone = "America/New_York", Days = ["mon", "tue", "wed", "thu", "fri"], Start = "08:00", End = "20:00" },
                    }),
                Buyer("rateshop", "RateShop", ["mortgage", "aggregator"], null,
                    PingPost("rateshop", "mortgage", priority: 1) with { Filters = [Filter("loan_type", FilterOps.NotIn, new[] { "reverse" })] }),
                Buyer("mortgage-backup", "Mortgage Backup (fallback)", ["mortgage", "fallback"], null, Fallback("mortgage-backup", "mortgage", 9)),
            ],
        };
    }

    private static PublisherConfig Publisher(string key, string name, string[] campaigns, PayoutConfig payout) => new()
    {
        Key = key, Name = name, Campaigns = [.. campaigns], Payout = payout, RateLimitPerSecond = 200,
    };

    private static FilterConfig Filter<T>(string field, string op, T value) =>
        new() { Field = field, Op = op, Value = JsonSerializer.SerializeToElement(value) };

    private static List<FieldDefinition> Person() =>
    [
        new() { Name = "first_name", Type = FieldTypes.String, Required = true, Pii = true, Max = 100 },
        new() { Name = "last_name", Type = FieldTypes.String, Required = true, Pii = true, Max = 100 },
        new() { Name = "email", Type = FieldTypes.Email, Required = true, Pii = true },
        new() { Name = "phone", Type = FieldTypes.Phone, Required = true, Pii = true },
        new() { Name = "zip", Type = FieldTypes.Zip, Required = true },
        new() { Name = "state", Type = FieldTypes.State, Required = true },
        new() { Name = "tcpa_consent", Type = FieldTypes.Boolean, Required = true, Values = [JsonSerializer.SerializeToElement(true)] },
    ];

    private static FieldDefinition Enum(string name, bool required, params string[] values) => new()
    {
        Name = name, Type = FieldTypes.Enum, Required = required, Values = values.Select(v => JsonSerializer.SerializeToElement(v)).ToList(),
    };

    private static CampaignConfig AutoInsurance() => new()
    {
        Key = "auto-insurance", Name = "Auto insurance", AuctionTimeoutMs = 800, Floor = 2, MaxBid = 150, MaxPostAttempts = 3, DedupeWindowDays = 30,
        Tiers = [new TierConfig { Tier = 0, Floor = 5 }, new TierConfig { Tier = 1, Floor = 1 }],
        Fields =
        [
            .. Person(),
            new() { Name = "age", Type = FieldTypes.Integer, Required = true, Min = 18, Max = 120 },
            new() { Name = "homeowner", Type = FieldTypes.Boolean },
            new() { Name = "vehicle_year", Type = FieldTypes.Integer, Min = 1980, Max = 2027 },
            Enum("coverage", false, "liability", "full", "comprehensive"),
        ],
    };

    private static CampaignConfig Solar() => new()
    {
        Key = "solar", Name = "Residential solar", AuctionTimeoutMs = 1000, Floor = 5, MaxBid = 250, MaxPostAttempts = 2, DedupeWindowDays = 60,
        Tiers = [new TierConfig { Tier = 0, Floor = 12 }, new TierConfig { Tier = 1, Floor = 3 }],
        Fields =
        [
            .. Person(),
            new() { Name = "homeowner", Type = FieldTypes.Boolean, Required = true },
            new() { Name = "monthly_electric_bill", Type = FieldTypes.Decimal, Required = true, Min = 0, Max = 2000 },
            Enum("roof_type", false, "asphalt", "tile", "metal", "flat"),
            Enum("credit_score", false, "excellent", "good", "fair", "poor"),
        ],
    };

    private static CampaignConfig Mortgage() => new()
    {
        Key = "mortgage", Name = "Mortgage", AuctionTimeoutMs = 1200, Floor = 8, MaxBid = 300, MaxPostAttempts = 3, DedupeWindowDays = 30,
        Tiers = [new TierConfig { Tier = 0, Floor = 15 }, new TierConfig { Tier = 1, Floor = 5 }],
        Fields =
        [
            .. Person(),
            new() { Name = "age", Type = FieldTypes.Integer, Min = 18, Max = 120 },
            Enum("loan_type", true, "purchase", "refinance", "reverse"),
            new() { Name = "loan_amount", Type = FieldTypes.Integer, Required = true, Min = 10000, Max = 5000000 },
            new() { Name = "property_value", Type = FieldTypes.Integer, Min = 10000, Max = 20000000 },
            Enum("credit_score", true, "excellent", "good", "fair", "poor"),
        ],
    };
}
