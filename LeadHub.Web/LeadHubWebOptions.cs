using LeadHub.Core;

namespace LeadHub.Web;

// The keys of the `LeadHub` section (CONTRACT §7) that only the web host reads: the demo, the
// sandbox buyers and the job server. Bound once, like LeadHubOptions; nothing reads these keys by name.
public sealed class LeadHubWebOptions
{
    // Demo workspace, sandbox buyers and a traffic generator; unset means "on in Development".
    public bool? Demo { get; set; }

    // Demo traffic rate (leads per second, through the real publisher endpoint).
    public double DemoLeadsPerSecond { get; set; } = 3;

    public SandboxOptions Sandbox { get; set; } = new();

    public JobOptions Jobs { get; set; } = new();

    public MetricsOptions Metrics { get; set; } = new();

    public TracingOptions Tracing { get; set; } = new();

    // CONTRACT §7: the demo is on in Development unless configured otherwise.
    public bool DemoOn(IHostEnvironment env) => Demo ?? env.IsDevelopment();

    // The section as bound at composition time, before the container exists.
    public static LeadHubWebOptions Of(IConfiguration configuration) =>
        configuration.GetSection(LeadHubOptions.Section).Get<LeadHubWebOptions>() ?? new();
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

public sealed class JobOptions
{
    // Run the Hangfire server (recurring reviews) in this process; the dashboard is mapped either way.
    public bool RunServer { get; set; } = true;
}
