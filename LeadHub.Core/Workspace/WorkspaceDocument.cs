using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeadHub.Core.Workspace;

// The workspace file of CONTRACT §4: the whole configuration as one JSON document.
// These records are both the import/export format and what the database stores per object,
// so there is exactly one shape of configuration in the system.

public sealed record WorkspaceDocument
{
    public List<CampaignConfig> Campaigns { get; init; } = [];
    public List<PublisherConfig> Publishers { get; init; } = [];
    public List<BuyerConfig> Buyers { get; init; } = [];
}

public sealed record CampaignConfig
{
    public string Key { get; init; } = "";
    public string Name { get; init; } = "";
    public bool Active { get; init; } = true;
    public int AuctionTimeoutMs { get; init; } = 800;
    public decimal Floor { get; init; }

    // Extension: a ceiling for every contract's bid in this campaign; a bid above it is an error
    // step, never a sale (a fat finger, or a buyer's decimal point in the wrong place). Null = none.
    public decimal? MaxBid { get; init; }
    public int MaxPostAttempts { get; init; } = 3;
    public int BidTtlMs { get; init; } = 60_000;
    public int DedupeWindowDays { get; init; } = 30;
    public int ReturnWindowDays { get; init; } = 7;

    // How the return review job decides pending returns; null = every return waits for a manager.
    public ReturnRulesConfig? ReturnRules { get; init; }

    // Extension (shared leads): a lead may be sold to up to this many buyers at their shared prices
    // when that earns more than the best exclusive sale. 0 or 1: exclusive only.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int MaxSharedBuyers { get; init; }

    // Extension: bid adjustments (margins) by publisher, sub-id, buyer or contract, applied to
    // offers before floors and ranking (README "Price rules"). Null or empty: none.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<PriceRuleConfig>? PriceRules { get; init; }
    public List<TierConfig> Tiers { get; init; } = [];
    public List<FieldDefinition> Fields { get; init; } = [];

    // Extension: which consent evidence a lead must carry; null = none required.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ConsentConfig? Consent { get; init; }

    // Extension (revenue lab): `auction` (default) or `waterfall`; `bid` (default) or
    // `expected-value` ranking (RoutingPlan.cs).
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Strategy { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Ranking { get; init; }

    // Extension (revenue lab): a live split routing a share of new leads by another plan. Null: none.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SplitConfig? Split { get; init; }
}

// A lead without the required evidence is refused (422, reasonCode `consent_missing`) and stored
// quarantined like any invalid lead. The evidence itself is the campaign's fields of the consent types.
public sealed record ConsentConfig
{
    public string Certificate { get; init; } = ConsentCertificates.None;

    // The lead must carry a `consent_text` field.
    public bool RequireText { get; init; }
}

public static class ConsentCertificates
{
    public const string None = "none", TrustedForm = "trustedform", Jornaya = "jornaya", Either = "either";

    public static readonly IReadOnlyList<string> All = [None, TrustedForm, Jornaya, Either];
}

public sealed record ReturnRulesConfig
{
    // Reasons a buyer may return for; empty = any. Others are denied by the review.
    public List<string> AllowedReasons { get; init; } = [];

    // Approve allowed returns without a manager...
    public bool AutoApprove { get; init; }

    // ...unless the buyer already returned more than this share of what it bought in the last
    // `RatePeriodDays`: those wait for a manager.
    public double? MaxReturnRate { get; init; }
    public int RatePeriodDays { get; init; } = 30;
}

// One bid adjustment. Every scope left empty matches anything; the most specific matching rule
// of a campaign applies (contract > buyer > sub-id > publisher; ties: the first listed).
// `amount` is taken off the bid: a percent or a fixed sum; a negative amount raises the bid.
public sealed record PriceRuleConfig
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Publisher { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SubId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Buyer { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Contract { get; init; }
    public string Kind { get; init; } = PriceRuleKinds.Percent;
    public decimal Amount { get; init; }
}

public static class PriceRuleKinds
{
    public const string Percent = "percent", Fixed = "fixed";
}

public sealed record TierConfig
{
    public int Tier { get; init; }
    public decimal Floor { get; init; }
}

public sealed record FieldDefinition
{
    public string Name { get; init; } = "";
    public string Type { get; init; } = FieldTypes.String;
    public bool Required { get; init; }
    public bool Pii { get; init; }
    public decimal? Min { get; init; }
    public decimal? Max { get; init; }

    // For `enum` the allowed strings; for `boolean` e.g. [true] to demand consent.
    public List<JsonElement>? Values { get; init; }
}

public static class FieldTypes
{
    public const string String = "string", Integer = "integer", Decimal = "decimal", Boolean = "boolean",
        Email = "email", Phone = "phone", Zip = "zip", State = "state", Date = "date", Enum = "enum";

    // Consent evidence (README "Suppression and consent"): a TrustedForm certificate URL, a Jornaya
    // LeadiD token, and the exact consent (TCPA) text the person agreed to.
    public const string TrustedForm = "trustedform", Jornaya = "jornaya", ConsentText = "consent_text";

    public static readonly IReadOnlySet<string> All =
        new HashSet<string> { String, Integer, Decimal, Boolean, Email, Phone, Zip, State, Date, Enum, TrustedForm, Jornaya, ConsentText };
}

public sealed record PublisherConfig
{
    public string Key { get; init; } = "";
    public string Name { get; init; } = "";
    public bool Active { get; init; } = true;

    // Only ever read on import; stored as a hash and never exported.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ApiKey { get; init; }

    public List<string> Campaigns { get; init; } = [];
    public PayoutConfig Payout { get; init; } = new();

    // Optional per-campaign payout overriding `payout` (CONTRACT §3.8).
    public Dictionary<string, PayoutConfig>? CampaignPayouts { get; init; }

    // Extension: per-sub-id payout overriding both (README "Payout rules"). Null: none.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, PayoutConfig>? SubIdPayouts { get; init; }
    public int? RateLimitPerSecond { get; init; }

    // Sub-ids of this publisher whose leads are refused (403), e.g. a source the quality review
    // flagged. Null or empty: none.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? BlockedSubIds { get; init; }

    // Extension: the calls LeadHub makes when this publisher's leads sell, do not, or are returned.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PostbacksConfig? Postbacks { get; init; }
}

public sealed record PayoutConfig
{
    public string Model { get; init; } = PayoutModels.Revshare;
    public decimal? Percent { get; init; } = 70;
    public decimal? Amount { get; init; }

    // Extension: never pay more than this per lead (a capped revshare). Null: no cap.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public decimal? Max { get; init; }

    // Extension: LeadHub keeps at least this of the lead's revenue (a fixed payout with a minimum
    // margin); the payout shrinks, never below zero. Null: none.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public decimal? MinMargin { get; init; }
}

public static class PayoutModels
{
    public const string Revshare = "revshare", Fixed = "fixed";
}

public sealed record BuyerConfig
{
    public string Key { get; init; } = "";
    public string Name { get; init; } = "";
    public bool Active { get; init; } = true;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ApiKey { get; init; }

    public List<string> Segments { get; init; } = [];
    public CapsConfig? Caps { get; init; }

    // The zone the buyer's own caps count days, weeks and months in (IANA id); null is UTC.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TimeZone { get; init; }

    // The reject review pauses this buyer's contracts when its reject rate passes the threshold.
    public bool PauseOnHighRejectRate { get; init; }

    // Extension: who paused the buyer, when and why; set and cleared by WorkspaceService with Active.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PauseNote? Paused { get; init; }

    public List<ContractConfig> Contracts { get; init; } = [];
}

// Why something is paused: shown in the portal's status. `By` is a user, or a job
// (PauseNote.BuyerHealth, PauseNote.RejectReview) when it paused on its own.
public sealed record PauseNote(string By, DateTimeOffset At, string? Reason)
{
    public const string BuyerHealth = "buyer-health", RejectReview = "reject-review";

    public bool IsAutomatic => By is BuyerHealth or RejectReview;
}

public sealed record ContractConfig
{
    public string Key { get; init; } = "";
    public string Campaign { get; init; } = "";
    public bool Active { get; init; } = true;

    // Extension: who paused the contract, when and why (see BuyerConfig.Paused).
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PauseNote? Paused { get; init; }
    public string Mode { get; init; } = ContractModes.PingPost;
    public int Tier { get; init; }
    public int Priority { get; init; } = 1;
    public string? PingUrl { get; init; }
    public string? PostUrl { get; init; }
    // Direct-post: the fixed price. Ping-post: the agreed price, used when the ping answer says
    // "matched" without a bid.
    public decimal? Price { get; init; }
    public decimal? MinBid { get; init; }

    // Extension (shared leads): exclusive (null, the default), shared or both. A shared or both
    // contract needs `sharedPrice`: the direct-post shared price, or for ping-post the agreed shared
    // price when the ping answer carries no shared bid.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SaleType { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public decimal? SharedPrice { get; init; }

    [JsonIgnore]
    public bool SellsExclusive => SaleType is null or SaleTypes.Exclusive or SaleTypes.Both;
    [JsonIgnore]
    public bool SellsShared => SaleType is SaleTypes.Shared or SaleTypes.Both;

    // Extension: a bid above this is an error step with the reason, never a sale. Null = none.
    public decimal? MaxBid { get; init; }
    public int TimeoutMs { get; init; } = 300;

    // Extension: a buyer's answer longer than this (after decompression) is an error, cut off while
    // reading. Null = 64 KiB.
    public int? MaxAnswerBytes { get; init; }
    public const int DefaultMaxAnswerBytes = 64 * 1024;

    // Extension: a post may take longer than a ping; a post that times out is never billed.
    public int PostTimeoutMs { get; init; } = 3000;

    // Extension: the buyer treats a repeated lead id as the same lead (never bills it twice), so
    // after a crash hid a post's outcome, recovery may post the lead to this contract again.
    public bool RepostSameLeadId { get; init; }

    // Extension: a sandbox contract receives test leads (CONTRACT §1 "test": true) and only those.
    public bool Sandbox { get; init; }

    // Buyer health: after this many timeouts/errors in a row the contract is skipped
    // (trace reason `circuit-open`) until a probe after the cool-down succeeds. 0 = never.
    public int BreakAfterFailures { get; init; } = 5;
    public int BreakCoolDownSeconds { get; init; } = 30;

    // Auto-pause the contract after this many post timeouts/errors in a UTC day; null = never.
    public int? MaxPostErrors { get; init; }

    // Ping-fatigue guard: pings beyond these are skipped and recorded; null = no limit.
    public int? MaxPingsPerSecond { get; init; }
    public int? MaxPingsPerMinute { get; init; }

    public List<FilterConfig> Filters { get; init; } = [];
    public CapsConfig? Caps { get; init; }
    public ScheduleConfig? Schedule { get; init; }
    // Null is the reference JSON of CONTRACT §2.
    public BuyerFormat? Format { get; init; }
}

public static class SaleTypes
{
    public const string Exclusive = "exclusive", Shared = "shared", Both = "both";
}

public static class ContractModes
{
    public const string PingPost = "ping-post", DirectPost = "direct-post";
}

public sealed record FilterConfig
{
    public string Field { get; init; } = "";
    public string Op { get; init; } = "";
    public JsonElement? Value { get; init; }
}

// The names of the built-in filter ops, for code that writes filters; what each op means, checks
// and shows is its entry in Routing.Filter.Ops.
public static class FilterOps
{
    public const string Eq = "eq", Ne = "ne", In = "in", NotIn = "not_in", Between = "between", Gt = "gt",
        Gte = "gte", Lt = "lt", Lte = "lte", Exists = "exists", NotExists = "not_exists",
        StartsWith = "starts_with", Regex = "regex";
}

public sealed record CapsConfig
{
    public int? Hourly { get; init; }
    public int? Daily { get; init; }
    public int? Weekly { get; init; }
    public int? Monthly { get; init; }
    public decimal? DailyBudget { get; init; }
}

public sealed record ScheduleConfig
{
    public string TimeZone { get; init; } = "UTC";

    // mon..sun; empty means every day.
    public List<string> Days { get; init; } = [];

    // HH:mm local time; end before start means the window runs across midnight.
    public string Start { get; init; } = "00:00";
    public string End { get; init; } = "24:00";
}

public static class WorkspaceJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
    };

    // For reading a document to import: a JSON null where the format has no null (a key, a list,
    // a payout) is an error with its path, not a null that crashes validation later.
    public static readonly JsonSerializerOptions ImportOptions = new(Options) { RespectNullableAnnotations = true };
}
