namespace LeadHub.Core;

// The `LeadHub` section of appsettings.json (CONTRACT §7). Defaults here are the embedded ones.
public sealed class LeadHubOptions
{
    public const string Section = "LeadHub";

    public DatabaseOptions Database { get; set; } = new();

    // Bearer token of the admin API; the admin API answers 401 to everyone until it is set.
    public string? AdminApiToken { get; set; }

    // A workspace JSON (CONTRACT §4) imported at start-up.
    public string? WorkspaceFile { get; set; }

    // Demo workspace, sandbox buyers and a traffic generator; unset means "on in Development".
    public bool? Demo { get; set; }

    // Demo traffic rate (leads per second, through the real publisher endpoint).
    public double DemoLeadsPerSecond { get; set; } = 3;

    public SandboxOptions Sandbox { get; set; } = new();

    // How long a starting node runs its hot path (no buyer called, nothing stored) before
    // /health/ready says yes, so it serves at warm speed from its first lead. 0 = not at all.
    public double WarmUpSeconds { get; set; } = 3;

    // Largest lead body accepted, in bytes (413 above it).
    public int MaxLeadBytes { get; set; } = 64 * 1024;

    public RecoveryOptions Recovery { get; set; } = new();

    public ClusterOptions Cluster { get; set; } = new();

    public ReviewOptions Reviews { get; set; } = new();

    public AlertOptions Alerts { get; set; } = new();

    public RetentionOptions Retention { get; set; } = new();

    public JobOptions Jobs { get; set; } = new();
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

// Simulated buyers at /sandbox/buyers/{key}/ping|post, for demos, tests and the bench.
public sealed class SandboxOptions
{
    // Maps the sandbox endpoints even without the demo.
    public bool Enabled { get; set; }

    // Behaviour per sandbox buyer key; keys not listed use the default profile.
    public Dictionary<string, SandboxBuyerProfile> Buyers { get; set; } = [];
}

public sealed record SandboxBuyerProfile
{
    public decimal BidMean { get; init; } = 12m;
    public decimal BidStdDev { get; init; } = 3m;

    // Bid multipliers by state code (e.g. CA: 1.3) and for ages under 25 / 65 and over.
    public Dictionary<string, decimal> StateFactors { get; init; } = [];
    public decimal YoungFactor { get; init; } = 0.8m;
    public decimal SeniorFactor { get; init; } = 0.9m;

    public double PassRate { get; init; } = 0.2;
    public double LatencyMeanMs { get; init; } = 80;
    public double LatencyStdDevMs { get; init; } = 30;
    public double PostLatencyMeanMs { get; init; } = 120;
    public double RejectRate { get; init; } = 0.1;
    // Null means the usual mix; a configured list replaces it (binding would append to a default list).
    public List<string>? RejectReasons { get; init; }
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

public sealed class JobOptions
{
    // Run the Hangfire server (recurring reviews) in this process; the dashboard is mapped either way.
    public bool RunServer { get; set; } = true;
}
