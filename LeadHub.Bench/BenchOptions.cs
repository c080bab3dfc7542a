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

    // Also measure the baseline fan-out service; null = on with --find-max or --all, off otherwise.
    public bool? Baseline { get; init; }
    public bool RunBaseline => BaselineOnly || (Baseline ?? (FindMax || All));

    // Find-max also measures the overhead at this fixed low rate (0 = not).
    public double LowRate { get; init; } = 25;

    // Closed loop: this many connections, each sending the next lead when the previous answer
    // came back (what a publisher's synchronous integration does). Null = no closed-loop phase.
    public int? ClosedLoop { get; init; }

    // Cold start: on the freshly started target, a closed-loop window right after it is ready,
    // closed-loop traffic for ColdWarmupSeconds, then the same window again (= warm).
    public bool Cold { get; init; }
    public double ColdWindowSeconds { get; init; } = 10;
    public double ColdWarmupSeconds { get; init; } = 30;

    // The started node's own warm-up budget (LeadHub:WarmUpSeconds); null = appsettings.json's.
    public double? NodeWarmUpSeconds { get; init; }

    // Open-loop run of this many minutes (at --rate, or half the max found) in 10 s steps, to see
    // whether the working set grows. 0 = none.
    public double SoakMinutes { get; init; }

    // Everything in one run: cold start and closed loop with instant buyers, find-max open loop with
    // the configured buyers, overhead at --low-rate and half the max, a soak if asked, PostgreSQL
    // beside SQLite if --postgres is given; the report is also written to OutPath.
    public bool All { get; init; }

    // A line per second of answers (how many, the slowest end-to-end and overhead) appended to this
    // file, wall-clock stamped, to line a stall up with the node's counters or logs. Null = none.
    public string? TimelinePath { get; init; }

    // The closed-loop and cold phases of --all use buyers that answer at once, so the figures are
    // the target's own cost, not the buyers' 50 ms.
    public bool InstantClosedLoop => All;
    public int ClosedLoopConnections => ClosedLoop ?? 32;

    // The printed report is also written here (--all: LeadHub.Bench/results/<date>-<time>-all.txt).
    public string? OutPath { get; init; }

    // Measure only the baseline (to see what the machine itself allows).
    public bool BaselineOnly { get; init; }

    // Also measure the storing baseline (BaselineStore): the fan-out plus the least storage that
    // keeps LeadHub's durability promise, to tell what durability costs from what the engine adds.
    // On with --all unless the baselines are turned off (--no-baseline): the targets are ratios to a
    // service that stores nothing, and the report sets LeadHub beside one that keeps each lead too.
    public bool? StoringBaselineChoice { get; init; }
    public bool StoringBaseline => StoringBaselineChoice ?? (All && Baseline != false);

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

    // Environment variables for the nodes the bench starts, and not for the bench itself (runtime
    // knobs such as DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS, tried on LeadHub alone).
    public IReadOnlyDictionary<string, string> NodeEnvironment { get; init; } = new Dictionary<string, string>();

    // Start LeadHub as deployed: published with ReadyToRun (README "Deploying"), not the JIT-only
    // build next to the bench. On by default with --all; --jit turns it off.
    public bool? ReadyToRun { get; init; }
    public bool UseReadyToRun => LeadHubDll is null && Target is null && (ReadyToRun ?? All);

    public double RequestTimeoutSeconds { get; init; } = 10;

    // A step that missed the overhead bound while other programs used more than this many cores
    // is measured again (up to Attempts times in all); its disturbed rows are marked with "?".
    public double OtherCpuLimit { get; init; } = 0.15;
    public int Attempts { get; init; } = 3;

    // --ab (AbRun): a second node B beside A, from this LeadHub.Web.dll (default: A's) with these
    // environment variables added, the two loaded in turn in closed-loop slices of DurationSeconds.
    public bool Ab { get; init; }
    public string? AbDll { get; init; }
    public IReadOnlyDictionary<string, string> AbEnvironment { get; init; } = new Dictionary<string, string>();
    public int AbRounds { get; init; } = 6;

    // --ab-baseline / --ab-baseline-store: A is the baseline (or the storing baseline) instead of a
    // LeadHub node, B the LeadHub node as the options start it, so B / A is LeadHub's ratio to the
    // baseline with its interval, neighbouring slices rather than phases minutes apart.
    public AbAgainst? AbBaseline { get; init; }

    // Every lead sent with an Idempotency-Key of its own, as publishers that retry send them.
    public bool IdempotencyKeys { get; init; }

    public const string Usage = """
        LeadHub load bench: a buyer fleet on loopback, LeadHub (child process or --target), open- or closed-loop load.

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
                                    between the last rate kept up with and the first not (phase "max"), and
                                    for the highest rate whose p99 engine overhead is within the bound; then
                                    one step at half the highest rate kept up with
          --overhead-bound-ms <ms>  that bound (default 5)
          --start-rate <leads/s>    first find-max step (default 100)
          --step-factor <x>         next step = previous × x (default 1.3)
          --max-rate <leads/s>      find-max never offers more (default 20000)
          --refine <n>              bisection steps after the first failing step, for each bisection (default 2)
          --low-rate <leads/s>      find-max also measures the overhead at this rate (default 25, 0 = not)
          --buyer-latency <ms>      buyers answer after exactly this delay (0 = at once); same as
                                    --latency-mean <ms> --latency-sd 0
          --closed-loop <n>         closed loop: n connections, each sends the next lead when the previous
                                    answer arrives; reports leads/s and latency (default n with --cold/--all: 32)
          --cold                    fresh target: a --cold-window right after /health/ready (closed loop),
                                    --cold-warmup of traffic, the window again (= warm); prints cold/warm
          --cold-window <s>         (default 10)
          --cold-warmup <s>         (default 30)
          --node-warm-up <s>        the started LeadHub's own warm-up before ready (LeadHub:WarmUpSeconds;
                                    default: appsettings.json's)
          --soak <minutes>          open loop at --rate (with --find-max/--all: half the max) in 10 s steps;
                                    prints working set first/last/max and its slope in MB/min
          --all                     everything in one report: --cold and --closed-loop with instant buyers,
                                    one lead at a time, --find-max with the configured buyers (overhead at
                                    --low-rate and half the max), --soak if given, PostgreSQL beside SQLite
                                    if --postgres is given, the baseline and the storing baseline, the
                                    targets met or missed and LeadHub beside both baselines
          --out <path>              also write the printed report there (--all: LeadHub.Bench/results/<date>-<time>-all.txt)
          --timeline <path>         append a line per second of answers (count, slowest end-to-end and overhead), UTC-stamped
          --baseline | --no-baseline  also measure the minimal fan-out service (default: on with --find-max/--all)
          --baseline-only           measure the baseline alone (what the machine itself allows)
          --baseline-store          also measure the storing baseline: the same fan-out keeping each lead in
                                    SQLite (stored before the post, final before the answer, group commit;
                                    default: on with --all unless --no-baseline)
          --json <path>             write the report as JSON too
          --postgres <connstring>   run LeadHub on this PostgreSQL server (a fresh database, dropped after)
          --nodes <n>               start n LeadHub nodes on that database, leads sent to them in turn (default 1)
          --target <url>            load an already running LeadHub instead of starting one
          --admin-token <token>     its admin API token (the bench imports its workspace)
          --leadhub-dll <path>      LeadHub.Web.dll to start (default: next to the bench)
          --node-env NAME=VALUE     an environment variable for the LeadHub nodes only (repeatable)
          --r2r | --jit             publish LeadHub with ReadyToRun first and start that build, as
                                    README "Deploying" does (default with --all), or the JIT-only build
          --other-cpu-limit <cores> a step that missed the bound while other programs used more CPU
                                    than this is measured again, marked "?" (default 0.15)
          --attempts <n>            … at most n times in all (default 3)
          --idempotency-keys        send every lead with an Idempotency-Key of its own (also with --writer)
          --ab                      A/B: a second LeadHub node B beside A, both loaded in turn in closed-loop
                                    slices of --duration (A B, B A, …), after --warmup each; prints B / A per
                                    round (leads/s, CPU a lead, p99) with the mean's 95 % interval: a change's
                                    size beside the machine's drift
          --ab-dll <path>           B's LeadHub.Web.dll (default: A's); implies --ab
          --ab-env NAME=VALUE       an environment variable for B only (repeatable); implies --ab
          --ab-rounds <n>           rounds of one slice each (default 6)
          --ab-baseline             A/B with A the baseline and B LeadHub as started: LeadHub / baseline in
                                    alternating slices, with its interval; implies --ab
          --ab-baseline-store       the same with A the storing baseline; implies --ab
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
                "--low-rate" => o with { LowRate = Number() },
                "--buyer-latency" => o with { LatencyMeanMs = Number(), LatencySdMs = 0 },
                "--closed-loop" => o with { ClosedLoop = (int)Number() },
                "--cold" => o with { Cold = true },
                "--cold-window" => o with { ColdWindowSeconds = Number() },
                "--cold-warmup" => o with { ColdWarmupSeconds = Number() },
                "--node-warm-up" => o with { NodeWarmUpSeconds = Number() },
                "--soak" => o with { SoakMinutes = Number() },
                "--all" => o with { All = true, FindMax = true, Cold = true },
                "--out" => o with { OutPath = Value() },
                "--timeline" => o with { TimelinePath = Path.GetFullPath(Value()) },
                "--overhead-bound-ms" => o with { OverheadBoundMs = Number() },
                "--start-rate" => o with { StartRate = Number() },
                "--step-factor" => o with { StepFactor = Number() },
                "--max-rate" => o with { MaxRate = Number() },
                "--refine" => o with { Refine = (int)Number() },
                "--pause" => o with { PauseSeconds = Number() },
                "--baseline" => o with { Baseline = true },
                "--no-baseline" => o with { Baseline = false },
                "--baseline-only" => o with { BaselineOnly = true },
                "--baseline-store" => o with { StoringBaselineChoice = true },
                "--json" => o with { JsonPath = Value() },
                "--target" => o with { Target = new Uri(Value()) },
                "--postgres" => o with { Postgres = Value() },
                "--nodes" => o with { Nodes = (int)Number() },
                "--admin-token" => o with { AdminToken = Value() },
                "--leadhub-dll" => o with { LeadHubDll = Path.GetFullPath(Value()) },
                "--node-env" => o with { NodeEnvironment = NodeEnv(o.NodeEnvironment, Value()) },
                "--r2r" => o with { ReadyToRun = true },
                "--jit" => o with { ReadyToRun = false },
                "--request-timeout" => o with { RequestTimeoutSeconds = Number() },
                "--other-cpu-limit" => o with { OtherCpuLimit = Number() },
                "--attempts" => o with { Attempts = (int)Number() },
                "--idempotency-keys" => o with { IdempotencyKeys = true },
                "--ab" => o with { Ab = true },
                "--ab-dll" => o with { Ab = true, AbDll = Path.GetFullPath(Value()) },
                "--ab-env" => o with { Ab = true, AbEnvironment = NodeEnv(o.AbEnvironment, Value()) },
                "--ab-rounds" => o with { AbRounds = (int)Number() },
                "--ab-baseline" => o with { Ab = true, AbBaseline = AbAgainst.Baseline },
                "--ab-baseline-store" => o with { Ab = true, AbBaseline = AbAgainst.StoringBaseline },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }
        if (o.Rate <= 0 || o.DurationSeconds <= 0 || o.Buyers < 1) throw new ArgumentException("--rate, --duration and --buyers must be positive");
        if (o.FindMax && (o.StepFactor <= 1 || o.StartRate <= 0)) throw new ArgumentException("--step-factor must be > 1 and --start-rate > 0");
        if (o.ClosedLoop is < 1 || o.ColdWindowSeconds <= 0 || o.ColdWarmupSeconds < 0 || o.SoakMinutes < 0)
            throw new ArgumentException("--closed-loop, --cold-window must be positive, --cold-warmup and --soak not negative");
        if (o.Cold && o.Target is not null) throw new ArgumentException("--cold needs a LeadHub the bench starts (not --target)");
        if (o.Target is not null && o.AdminToken is null) throw new ArgumentException("--target needs --admin-token");
        if (o.Nodes < 1 || (o.Nodes > 1 && o.Postgres is null)) throw new ArgumentException("--nodes needs --postgres (SQLite is one node)");
        if (o.Ab && (o.Target is not null || o.All || o.Cold || o.FindMax || o.Nodes > 1 || o.AbRounds < 1))
            throw new ArgumentException("--ab starts its two nodes itself (not --target), one each, and measures closed-loop rounds only (not --all, --cold, --find-max); --ab-rounds must be positive");
        if (o.AbBaseline is not null && (o.AbDll is not null || o.AbEnvironment.Count > 0))
            throw new ArgumentException("--ab-baseline compares the baseline with LeadHub as started (--leadhub-dll, --node-env), not with a B build (--ab-dll, --ab-env)");
        return o;
    }

    private static Dictionary<string, string> NodeEnv(IReadOnlyDictionary<string, string> before, string pair)
    {
        var at = pair.IndexOf('=');
        if (at < 1) throw new ArgumentException($"--node-env and --ab-env want NAME=VALUE, not '{pair}'");
        return new Dictionary<string, string>(before) { [pair[..at]] = pair[(at + 1)..] };
    }
}

// What --ab measures LeadHub against instead of a second LeadHub node.
public enum AbAgainst { Baseline, StoringBaseline }
