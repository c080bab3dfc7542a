namespace LeadHub.Core.Routing;

// One step of a lead's routing trace (CONTRACT §3.7 and §4). `note` steps are an extension
// for things that are neither ping nor post, such as recovery after a restart.
public sealed record TraceStep(
    string Kind,
    string? Buyer,
    string? Contract,
    int? Tier,
    string Outcome,
    decimal? Bid,
    decimal? Price,
    string? Reason,
    int? LatencyMs,
    DateTimeOffset At);

public static class TraceKinds
{
    public const string Ping = "ping", Post = "post", Note = "note";
}

public static class TraceOutcomes
{
    public const string Bid = "bid", Pass = "pass", Timeout = "timeout", Error = "error", Accepted = "accepted",
        Rejected = "rejected", Skipped = "skipped", Info = "info",
        // A post a crash hid the answer to (the buyer may have the lead).
        Unknown = "unknown";

    // The post outcomes that count as the buyer's rejection (CONTRACT §2: a timeout or error is one
    // too); not `unknown`, whose buyer may well have taken the lead. KPI rollups and top reasons read this.
    public static readonly string[] Rejections = [Rejected, Timeout, Error];
}
