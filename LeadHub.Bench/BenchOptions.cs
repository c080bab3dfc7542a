using System.Globalization;

namespace LeadHub.Bench;

public sealed record BenchOptions
{
    // Load.
    public double Rate { get; init; } = 500;
    public double DurationSeconds { get; init; } = 10;
    public double WarmupSeconds { get; init; } = 5;

    // Buyer fleet.
    public int Buyers { get; init; } = 10;
    public double LatencyMeanMs { get; init; } = 50;
    public double LatencySdMs { get; init; } = 10;
    public double BidMean { get; init; } = 10;
    public double BidSd { get; init; } = 2;

    // Workspace.
    public int ContractTimeoutMs { get; init; } = 500;
    public int AuctionTimeoutMs { get; init; } = 1000;

    // Find-max: rates start, start·factor, … until a step fails, then `Refine` bisection steps.
    public bool FindMax { get; init; }
    public double OverheadBoundMs { get; init; } = 5;
    public double StartRate { get; init; } = 100;
    public double StepFactor { get; init; } = 1.3;
    public double MaxRate { get; init; } = 20_000;
    public int Refine { get; init; } = 2;
    public double PauseSeconds { get; init; } = 1;

    // Also measure the baseline fan-out service; null = on with --find-max, off otherwise.
    public bool? Baseline { get; init; }
    public bool RunBaseline => BaselineOnly || (Baseline ?? FindMax);

    // Measure only the baseline (to see what the machine itself allows).
    public bool BaselineOnly { get; init; }

    public string? JsonPath { get; init; }

    // An external LeadHub instead of the child process.
    public Uri? Target { get; init; }
    public string? AdminToken { get; init; }

    // LeadHub on PostgreSQL: a server's connection string; the bench creates a database of its own
    // there and drops it afterwards. Null = SQLite.
    public string? Postgres { get; init; }

    // LeadHub nodes to start on that one database; leads are sent to them in turn (a round-robin balancer).
    public int Nodes { get; init; } = 1;

    // LeadHub.Web.dll to start; default: the one next to the bench.
    public string? LeadHubDll { get; init; }

    public double RequestTimeoutSeconds { get; init; } = 10;

    // A step that missed the overhead bound while other programs used more than this many cores
    // is measured again (up to Attempts times in all); its disturbed rows are marked with "?".
    public double OtherCpuLimit { get; init; } = 0.15;
    public int Attempts { get; init; } = 3;

    public const string Usage = """
        LeadHub load bench: a buyer fleet on loopback, LeadHub (child process or --target), open-loop load.

          dotnet run -c Release --project LeadHub.Bench -- [options]

          --rate <leads/s>          offered rate of a single run (default 500)
          --duration <s>            length of each measured step (default 10)
          --warmup <s>              warm-up per target before the first step, at ≤ 200/s (default 5)
          --buyers <n>              ping/post buyers in the fleet (default 10)
          --latency-mean <ms>       buyers' answer delay, normal distribution mean (default 50)
          --latency-sd <ms>         … and standard deviation (default 10)
          --bid-mean <usd>          buyers' bids, normal mean (default 10)
          --bid-sd <usd>            … and standard deviation (default 2)
          --timeout-ms <ms>         every contract's ping timeoutMs (default 500)
          --auction-timeout-ms <ms> the campaign's auctionTimeoutMs (default 1000)
          --find-max                step the rate up (×step-factor) while the target keeps up (answers at the
                                    offered rate, < 1 % errors, p99 overhead < auction timeout); then bisect
                                    for the highest rate whose p99 engine overhead is within the bound; then
                                    one step at half the highest rate kept up with
          --overhead-bound-ms <ms>  that bound (default 5)
          --start-rate <leads/s>    first find-max step (default 100)
          --step-factor <x>         next step = previous × x (default 1.3)
          --max-rate <leads/s>      find-max never offers more (default 20000)
          --refine <n>              bisection steps after the first failing step (default 2)
          --baseline | --no-baseline  also measure the minimal fan-out service (default: on with --find-max)
          --baseline-only           measure the baseline alone (what the machine itself allows)
          --json <path>             write the report as JSON too
          --postgres <connstring>   run LeadHub on this PostgreSQL server (a fresh database, dropped after)
          --nodes <n>               start n LeadHub nodes on that database, leads sent to them in turn (default 1)
          --target <url>            load an already running LeadHub instead of starting one
          --admin-token <token>     its admin API token (the bench imports its workspace)
          --leadhub-dll <path>      LeadHub.Web.dll to start (default: next to the bench)
          --other-cpu-limit <cores> a step that missed the bound while other programs used more CPU
                                    than this is measured again, marked "?" (default 0.15)
          --attempts <n>            … at most n times in all (default 3)
        """;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            double Number() => double.Parse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture);
            o = name switch
            {
                "--rate" => o with { Rate = Number() },
                "--duration" => o with { DurationSeconds = Number() },
                "--warmup" => o with { WarmupSeconds = Number() },
                "--buyers" => o with { Buyers = (int)Number() },
                "--latency-mean" => o with { LatencyMeanMs = Number() },
                "--latency-sd" => o with { LatencySdMs = Number() },
                "--bid-mean" => o with { BidMean = Number() },
                "--bid-sd" => o with { BidSd = Number() },
                "--timeout-ms" => o with { ContractTimeoutMs = (int)Number() },
                "--auction-timeout-ms" => o with { AuctionTimeoutMs = (int)Number() },
                "--find-max" => o with { FindMax = true },
                "--overhead-bound-ms" => o with { OverheadBoundMs = Number() },
                "--start-rate" => o with { StartRate = Number() },
                "--step-factor" => o with { StepFactor = Number() },
                "--max-rate" => o with { MaxRate = Number() },
                "--refine" => o with { Refine = (int)Number() },
                "--pause" => o with { PauseSeconds = Number() },
                "--baseline" => o with { Baseline = true },
                "--no-baseline" => o with { Baseline = false },
                "--baseline-only" => o with { BaselineOnly = true },
                "--json" => o with { JsonPath = Value() },
                "--target" => o with { Target = new Uri(Value()) },
                "--postgres" => o with { Postgres = Value() },
                "--nodes" => o with { Nodes = (int)Number() },
                "--admin-token" => o with { AdminToken = Value() },
                "--leadhub-dll" => o with { LeadHubDll = Path.GetFullPath(Value()) },
                "--request-timeout" => o with { RequestTimeoutSeconds = Number() },
                "--other-cpu-limit" => o with { OtherCpuLimit = Number() },
                "--attempts" => o with { Attempts = (int)Number() },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }
        if (o.Rate <= 0 || o.DurationSeconds <= 0 || o.Buyers < 1) throw new ArgumentException("--rate, --duration and --buyers must be positive");
        if (o.FindMax && (o.StepFactor <= 1 || o.StartRate <= 0)) throw new ArgumentException("--step-factor must be > 1 and --start-rate > 0");
        if (o.Target is not null && o.AdminToken is null) throw new ArgumentException("--target needs --admin-token");
        if (o.Nodes < 1 || (o.Nodes > 1 && o.Postgres is null)) throw new ArgumentException("--nodes needs --postgres (SQLite is one node)");
        return o;
    }
}
