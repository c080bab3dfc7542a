namespace LeadHub.Core.Storage;

// Configuration rows keep the workspace record of CONTRACT §4 as JSON next to the columns
// that are queried or joined on, so the document stays the one shape of configuration.

public sealed class CampaignRow
{
    public string Key { get; set; } = "";
    public string Name { get; set; } = "";
    public bool Active { get; set; }
    public string Json { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class PublisherRow
{
    public string Key { get; set; } = "";
    public string Name { get; set; } = "";
    public bool Active { get; set; }
    public string? ApiKeyHash { get; set; }
    public string Json { get; set; } = "";

    // The postback signing secret, protected with Data Protection; Json never holds it.
    public string? PostbackSecret { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class BuyerRow
{
    public string Key { get; set; } = "";
    public string Name { get; set; } = "";
    public bool Active { get; set; }
    public string? ApiKeyHash { get; set; }

    // The buyer record without its contracts; those are rows of their own.
    public string Json { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class ContractRow
{
    public string Key { get; set; } = "";
    public string BuyerKey { get; set; } = "";
    public string CampaignKey { get; set; } = "";
    public bool Active { get; set; }
    public string Json { get; set; } = "";

    // The buyer password or token of `format.auth`, protected with Data Protection; Json never holds it.
    public string? AuthSecret { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

// One row; its version grows with every configuration change so nodes can notice.
public sealed class ConfigVersionRow
{
    public int Id { get; set; }
    public long Version { get; set; }
}

public sealed class LeadRow
{
    public Guid Id { get; set; }
    public string CampaignKey { get; set; } = "";
    public string PublisherKey { get; set; } = "";
    public string? SubId { get; set; }
    public string? ExternalId { get; set; }
    public string? IdempotencyKey { get; set; }
    public bool Test { get; set; }
    public string Status { get; set; } = LeadStatus.Received;
    public string FieldsJson { get; set; } = "{}";
    public string? ErrorsJson { get; set; }
    public string? PhoneKey { get; set; }
    public string? EmailKey { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public decimal? Price { get; set; }
    public string? BuyerKey { get; set; }
    public string? ContractKey { get; set; }
    public decimal Payout { get; set; }
    public string? Reason { get; set; }

    // Held bids of a publisher ping (two-step ping/post) this lead was posted against.
    public Guid? PingId { get; set; }

    // Which process is routing the lead; recovery only takes leads whose owner is gone.
    public string? Owner { get; set; }

    // Personal data erased by the retention job; the figures stay.
    public bool PiiErased { get; set; }

    // The live split (CampaignConfig.Split.Id) the lead arrived in and the plan that routed it
    // (SplitArms.A or .B), written with the lead at receive; null outside a split. Lab/SplitQueries.
    public string? SplitId { get; set; }
    public string? SplitArm { get; set; }
}

public static class LeadStatus
{
    // `unknown`: a crash hid the outcome of a post; the lead waits for a manager (confirm the sale
    // to that buyer, or release it to route again) and is never posted to another buyer meanwhile.
    public const string Received = "received", Invalid = "invalid", Duplicate = "duplicate", Routing = "routing",
        Sold = "sold", Unsold = "unsold", Returned = "returned", Unknown = "unknown";

    // Not final: stored and not yet answered, or waiting for a manager. Only these are indexed by
    // status (a partial index): a search by status is an index lookup for these alone; SQLite
    // matches a literal or a bound value against the index's filter (LeadIndexTests).
    public static readonly string[] Open = [Received, Routing, Unknown];
}

// The intent to post a lead to a buyer, committed before the post leaves. Outcome stays null
// while the post is in flight; a crash leaves it null, and recovery then knows the buyer may
// have the lead. Keyed by the post's place in the lead's trace, so the finish marks it cheaply.
public sealed class PostIntentRow
{
    public Guid LeadId { get; set; }
    public int Seq { get; set; }
    public string BuyerKey { get; set; } = "";
    public string ContractKey { get; set; } = "";
    public int Tier { get; set; }
    public decimal Price { get; set; }
    public DateTimeOffset At { get; set; }

    // What else the post carried that a re-post to the same buyer must repeat (captured ping values).
    public string DataJson { get; set; } = "{}";
    public string? Outcome { get; set; }
}

// One buyer's purchase of a shared lead (README "Shared leads"): a row per buyer, written with the
// lead's finish. An exclusive sale is the lead row alone (its BuyerKey, Price and Payout); a shared
// lead's row holds the first sale's buyer and the sums of all its sales.
public sealed class LeadSaleRow
{
    public Guid LeadId { get; set; }
    public string BuyerKey { get; set; } = "";
    public string ContractKey { get; set; } = "";
    public decimal Price { get; set; }

    // This sale's share of the lead's publisher payout: what a return of it reverses.
    public decimal Payout { get; set; }
    public DateTimeOffset SoldAt { get; set; }

    // Set when a return of this sale is approved; the lead is `returned` once all its sales are.
    public DateTimeOffset? ReturnedAt { get; set; }
}

public sealed class TraceStepRow
{
    public Guid LeadId { get; set; }
    public int Seq { get; set; }
    public string Kind { get; set; } = "";
    public string? Buyer { get; set; }
    public string? Contract { get; set; }
    public int? Tier { get; set; }
    public string Outcome { get; set; } = "";
    public decimal? Bid { get; set; }
    public decimal? Price { get; set; }
    public string? Reason { get; set; }
    public int? LatencyMs { get; set; }
    public DateTimeOffset At { get; set; }
}

// One auction's ping steps as one row: a lead pinged to ten buyers wrote ten trace rows, and
// those rows were a third of the lead writer's CPU per lead. Each step keeps its own Seq, so a
// lead's trace is its TraceSteps rows and these steps merged by Seq (LeadTraces). Post and note
// steps stay rows: reject statistics, reviews, splits and recovery query them.
public sealed class TracePingsRow
{
    public Guid LeadId { get; set; }

    // The first ping's Seq.
    public int Seq { get; set; }

    // A JSON array of TraceStepRow without LeadId and Kind (LeadTraces.Pack).
    public string StepsJson { get; set; } = "[]";
}

public sealed class CapCounterRow
{
    public string Key { get; set; } = "";
    public int Count { get; set; }
    public decimal Amount { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

// A publisher's ping (CONTRACT §1 two-step): the offers held until the post or expiry.
public sealed class PublisherPingRow
{
    public Guid Id { get; set; }
    public string CampaignKey { get; set; } = "";
    public string PublisherKey { get; set; } = "";
    public string OffersJson { get; set; } = "[]";
    public string TraceJson { get; set; } = "[]";
    public decimal Offer { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public Guid? LeadId { get; set; }
}

// Who changed which piece of configuration, when, and from what to what (JSON, never secrets).
public sealed class AuditRow
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string Actor { get; set; } = "";
    public string Action { get; set; } = "";
    public string EntityType { get; set; } = "";
    public string EntityKey { get; set; } = "";
    public string? Before { get; set; }
    public string? After { get; set; }
}

// Something a manager should look at, raised by the review jobs; open until acknowledged or resolved.
public sealed class AlertRow
{
    public long Id { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string Kind { get; set; } = "";
    public string Subject { get; set; } = "";
    public string Message { get; set; } = "";
    public string Status { get; set; } = AlertStatus.Open;
    public string? HandledBy { get; set; }
    public DateTimeOffset? HandledAt { get; set; }
}

public static class AlertStatus
{
    public const string Open = "open", Acknowledged = "acknowledged", Resolved = "resolved";
}

// An admin API token created in the portal; only its hash is stored.
public sealed class ApiTokenRow
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public string Hash { get; set; } = "";
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

// A running LeadHub process and its last heartbeat: leads it owns are not orphans while it beats.
public sealed class NodeRow
{
    public string Id { get; set; } = "";
    public string Machine { get; set; } = "";
    public int ProcessId { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset SeenAt { get; set; }
}
