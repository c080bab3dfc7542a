namespace LeadHub.Core;

// The `LeadHub` section of appsettings.json (CONTRACT §7) as the engine reads it. Defaults here are
// the embedded ones. The keys only the web host reads (demo, sandbox buyers, jobs) are LeadHubWebOptions.
public sealed class LeadHubOptions
{
    public const string Section = "LeadHub";

    public DatabaseOptions Database { get; set; } = new();

    // Bearer token of the admin API; the admin API answers 401 to everyone until it is set.
    public string? AdminApiToken { get; set; }

    // A workspace JSON (CONTRACT §4) imported at start-up.
    public string? WorkspaceFile { get; set; }

    // The longest a starting node runs its hot path (no buyer called, nothing stored) before
    // /health/ready says yes, so it serves at warm speed from its first lead; it stops sooner once
    // the rate stops rising and the JIT has caught up (~45 s on 2 cores). 0 = not at all.
    public double WarmUpSeconds { get; set; } = 60;

    // Largest lead body accepted, in bytes (413 above it).
    public int MaxLeadBytes { get; set; } = 64 * 1024;

    public RecoveryOptions Recovery { get; set; } = new();

    public ClusterOptions Cluster { get; set; } = new();

    public ReviewOptions Reviews { get; set; } = new();

    public AlertOptions Alerts { get; set; } = new();

    public RetentionOptions Retention { get; set; } = new();

}

public sealed class DatabaseOptions
{
    // "Sqlite" (one node) or "Postgres" (one or several nodes on one database).
    public string Provider { get; set; } = "Sqlite";
}

// Several nodes on one PostgreSQL database (README "Scaling out"); harmless with one node.
public sealed class ClusterOptions
{
    // How often a node writes its heartbeat row.
    public int HeartbeatSeconds { get; set; } = 5;

    // A node silent this long is taken for dead: its routing leads may be recovered by others.
    public int NodeTimeoutSeconds { get; set; } = 30;

    // How often a node compares its routing snapshot's version with the database's, so a change
    // made on another node is routed here within this interval plus a reload.
    public int ConfigPollMilliseconds { get; set; } = 250;
}

public sealed class RecoveryOptions
{
    // A lead found `routing` after a restart is routed again if it arrived at most this long
    // ago; older ones are closed as unsold (buyers would no longer want a stale lead).
    public int RerouteWithinSeconds { get; set; } = 60;
}

// The review jobs' rules (article: reject rate above 30 % is a problem; aim for ≥ 1 post per 10 pings).
public sealed class ReviewOptions
{
    public int WindowHours { get; set; } = 24;
    public double RejectRateThreshold { get; set; } = 0.30;

    // Fewer posts than this in the window say nothing about a buyer's reject rate.
    public int MinPosts { get; set; } = 20;
    public double MinPostsPerPing { get; set; } = 0.10;
    public int MinPings { get; set; } = 100;

    // A source is flagged when its reject/return rate is this many times the average.
    public double SourceFactor { get; set; } = 2.0;
    public int MinSourceLeads { get; set; } = 20;
    public int FallbackIdleDays { get; set; } = 30;
}

public sealed class AlertOptions
{
    // Optional: every new alert is also POSTed here as JSON.
    public string? WebhookUrl { get; set; }
}

public sealed class RetentionOptions
{
    // Erase the personal data of leads older than this many days (figures are kept); null = keep.
    public int? PiiDays { get; set; }
}
