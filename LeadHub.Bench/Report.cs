using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using static System.FormattableString;

namespace LeadHub.Bench;

public sealed class BenchReport
{
    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;
    public MachineInfo Machine { get; init; } = MachineInfo.Current();
    public BenchOptions Options { get; init; } = new();
    public TargetResult? LeadHub { get; set; }
    public TargetResult? Baseline { get; set; }

    // --baseline-store: the baseline that also keeps each lead (BaselineStore).
    public TargetResult? StoringBaseline { get; set; }

    // --ab: two nodes loaded in turn (AbRun).
    public AbResult? Ab { get; set; }

    // --all --postgres: LeadHub on one PostgreSQL node, find-max only (LeadHub above is then SQLite).
    public TargetResult? PostgresLeadHub { get; set; }

    // LeadHub's max rate within the overhead bound as a share of the baseline's (find-max only).
    public double? RatioWithinBound => Ratio(LeadHub?.MaxRateWithinBound, Baseline?.MaxRateWithinBound);

    // The same for the highest rate each kept up with at all.
    public double? RatioKeptUp => Ratio(LeadHub?.MaxKeptUpRate, Baseline?.MaxKeptUpRate);

    // Closed loop (warm): LeadHub's leads/s as a share of the baseline's.
    public double? RatioClosedLoop => Ratio(LeadHub?.ClosedLoop?.AchievedRate, Baseline?.ClosedLoop?.AchievedRate);

    // The same two against the storing baseline: what LeadHub adds beyond keeping each lead.
    public double? RatioKeptUpStoring => Ratio(LeadHub?.MaxKeptUpRate, StoringBaseline?.MaxKeptUpRate);
    public double? RatioClosedLoopStoring => Ratio(LeadHub?.ClosedLoop?.AchievedRate, StoringBaseline?.ClosedLoop?.AchievedRate);

    // PostgreSQL's highest rate kept up with as a share of SQLite's.
    public double? RatioPostgres => Ratio(PostgresLeadHub?.MaxKeptUpRate, LeadHub?.MaxKeptUpRate);

    internal static double? Ratio(double? a, double? b) => a is { } x && b is > 0 ? Math.Round(x / b.Value, 2) : null;
}

public sealed class TargetResult
{
    public string Target { get; init; } = "";
    public List<StepResult> Steps { get; init; } = [];

    // Find-max: the highest rate whose p99 engine overhead stayed within the bound (and kept up)…
    public double? MaxRateWithinBound { get; set; }
    public double? FirstOutsideBoundRate { get; set; }

    // …and the highest rate it kept up with (answers at the offered rate, < 1 % errors), stepped then bisected.
    public double? MaxKeptUpRate { get; set; }
    public double? FirstNotKeptUpRate { get; set; }

    // A step at half of MaxKeptUpRate, and one at --low-rate.
    public StepResult? HalfSustained { get; set; }
    public StepResult? Low { get; set; }

    // --cold: seconds from /health/ready to the first lead (LeadHub: the workspace import), the
    // closed-loop window right after, and the same window after the warm-up (= ClosedLoop).
    public double? ReadyToLoadSeconds { get; set; }

    // Seconds from process start to /health/ready (LeadHub: start-up, migrations, warm-up).
    public double? StartToReadySeconds { get; set; }
    public StepResult? Cold { get; set; }
    public double? ColdRatio => BenchReport.Ratio(Cold?.AchievedRate, ClosedLoop?.AchievedRate);

    // The warm closed-loop step (--closed-loop or --cold), and one connection (--all).
    public StepResult? ClosedLoop { get; set; }
    public StepResult? OneAtATime { get; set; }

    public SoakResult? Soak { get; set; }

    // What the target's own meters said at the end of its run (LeadHub's Prometheus endpoint).
    public MeterReading? Meters { get; set; }

    // --all: cores the target used while idle after the run (timers, jobs, pollers), which every
    // lead's CPU figure above includes.
    public double? IdleCores { get; set; }

    // The highest working set seen in each phase (cold, warm, step, soak, …).
    public Dictionary<string, double> PeakWorkingSetMbByPhase => Steps
        .Where(s => s.PeakWorkingSetMb is not null)
        .GroupBy(s => s.Phase.TrimEnd('?'))
        .ToDictionary(g => g.Key, g => Math.Round(g.Max(s => s.PeakWorkingSetMb!.Value)));

    // The node's and its database server's CPU per 1000 leads, medians of each phase's steps, when
    // the database runs on this machine (PostgreSQL): together, what a lead costs.
    public Dictionary<string, NodeAndDatabaseCpu> CpuWithDatabaseByPhase => Steps
        .Where(s => s is { CpuSecondsPer1000Leads: not null, DatabaseCpuSecondsPer1000Leads: not null })
        .GroupBy(s => s.Phase.TrimEnd('?'))
        .ToDictionary(g => g.Key, g => new NodeAndDatabaseCpu(Median(g.Select(s => s.CpuSecondsPer1000Leads!.Value)),
            Median(g.Select(s => s.DatabaseCpuSecondsPer1000Leads!.Value))));

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}

public readonly record struct NodeAndDatabaseCpu(double Node, double Database);

// --soak: the working set at the end of each 10 s step, and its trend.
public sealed record SoakResult(double Rate, double Minutes, double FirstMb, double LastMb, double MaxMb, double SlopeMbPerMinute)
{
    // The slope over the second half of the samples. A fresh node's working set climbs for minutes
    // while the GC sizes its budgets and SQLite fills its page caches, then levels off; a leak keeps
    // climbing. Printed beside the floors; the verdict's fallback when the soak saw too few falls.
    public double LaterSlopeMbPerMinute { get; init; }

    // The level the working set returns to: the lowest sample from each fall (a sample ≥ 10 % below
    // the one before: a full collection handing memory back) to the next. The samples before the
    // first fall give no floor: they hold the node's start. Between falls the working set climbs as
    // gen2 refills, so a slope over a stretch without a fall reads that sawtooth as growth (the
    // 2026-12-05 23:27 soak: 749 → 420 MB over the run, second half 391 → 421 MB after a fall, +4.6 MB/min).
    public IReadOnlyList<double> FloorsMb { get; init; } = [];

    // From the last floor but one to the last, in MB a minute, when there are two or more. Only the
    // last two: a soak follows find-max's overload, whose memory the first collections still hand
    // back, and a fit through those early, higher floors would fall even over a slow leak.
    public double? FloorSlopeMbPerMinute { get; init; }

    // "Not growing": under 1 MB a minute, by the last two floors when the soak held two falls, else by the second half.
    public bool NotGrowing => (FloorSlopeMbPerMinute ?? LaterSlopeMbPerMinute) < 1;

    public string FloorsText => FloorsMb.Count == 0 ? "none" : string.Join(" → ", FloorsMb.Select(m => m.ToString("0", CultureInfo.InvariantCulture))) + " MB";

    public string Verdict => FloorSlopeMbPerMinute is { } f
        ? Invariant($"{f:0.00} MB/min between the last two floors after {FloorsMb.Count} falls ({FloorsText}) in {Minutes:0.#} min")
        : Invariant($"{LaterSlopeMbPerMinute:0.00} MB/min over the second half of {Minutes:0.#} min (fewer than two falls to judge floors by)");

    public const double FallFraction = 0.9;

    public static SoakResult Of(double rate, IReadOnlyList<StepResult> steps)
    {
        var ws = steps.Select(s => s.EndWorkingSetMb ?? 0).ToArray();
        var minutes = steps.Select((s, i) => i * s.DurationSeconds / 60).ToArray();
        var half = ws.Length / 2;
        var falls = Enumerable.Range(1, Math.Max(0, ws.Length - 1)).Where(i => ws[i] <= ws[i - 1] * FallFraction).ToList();
        var floorAt = falls.Select((start, k) =>
        {
            var end = k + 1 < falls.Count ? falls[k + 1] : ws.Length;
            return Enumerable.Range(start, end - start).MinBy(i => ws[i]);
        }).ToArray();
        return new SoakResult(rate, steps.Sum(s => s.DurationSeconds) / 60, Math.Round(ws.FirstOrDefault()), Math.Round(ws.LastOrDefault()),
            Math.Round(steps.Max(s => s.PeakWorkingSetMb ?? 0)), Math.Round(Slope(minutes, ws), 2))
        {
            LaterSlopeMbPerMinute = Math.Round(Slope(minutes[half..], ws[half..]), 2),
            FloorsMb = [.. floorAt.Select(i => Math.Round(ws[i]))],
            FloorSlopeMbPerMinute = floorAt.Length >= 2
                ? Math.Round((ws[floorAt[^1]] - ws[floorAt[^2]]) / (minutes[floorAt[^1]] - minutes[floorAt[^2]]), 2)
                : null,
        };
    }

    // Least squares: a single sample high or low after a collection does not decide it.
    private static double Slope(double[] x, double[] y)
    {
        if (x.Length < 2) return 0;
        var (mx, my) = (x.Average(), y.Average());
        var sxx = x.Sum(v => (v - mx) * (v - mx));
        return sxx > 0 ? x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum() / sxx : 0;
    }
}

public sealed record MachineInfo(int Cores, string Cpu, string Os, string Runtime, long MemoryMb)
{
    public static MachineInfo Current()
    {
        var cpu = "unknown";
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                    ?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }
        return new MachineInfo(Environment.ProcessorCount, cpu, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
            GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024));
    }
}

// The report: a table row per step as it finishes, a summary at the end, and the same as JSON.
public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Header(BenchReport r)
    {
        var o = r.Options;
        return Invariant($"""
            LeadHub bench — {r.StartedAt:yyyy-MM-dd HH:mm} UTC
            Machine: {r.Machine.Cores} cores ({r.Machine.Cpu}), {r.Machine.MemoryMb / 1024.0:0.#} GiB, {r.Machine.Os}, {r.Machine.Runtime}
            Buyers: {o.Buyers} ping/post, latency N({F(o.LatencyMeanMs)}, {F(o.LatencySdMs)}) ms, bids N({F(o.BidMean)}, {F(o.BidSd)}), timeoutMs {o.ContractTimeoutMs}, auctionTimeoutMs {o.AuctionTimeoutMs}
            Load: {Modes(o)}open loop, {(o.FindMax ? $"find-max from {F(o.StartRate)}/s ×{F(o.StepFactor)}, p99 overhead bound {F(o.OverheadBoundMs)} ms" : $"{F(o.Rate)} leads/s")}, {F(o.DurationSeconds)} s per step; baseline {(o.RunBaseline ? "on" : "off")}{(o.StoringBaseline ? ", storing baseline on" : "")}
            Overhead = end-to-end − (slowest in-time ping + post) as the buyers applied them. Latencies in ms; cpu s/1k = CPU seconds
            of the target process per 1000 leads; before = leads sent to the target earlier in this run; ok = kept up and p99 overhead
            within the bound (yes), kept up only (slow), fell behind (no); other = cores used by other programs (not the bench, the
            target or its database server on this machine) during the step.
            """);
    }

    // Closed-loop and cold-start phases, as the header's first words.
    private static string Modes(BenchOptions o)
    {
        var buyers = o.InstantClosedLoop ? "instant buyers" : "the buyers above";
        var cold = o.Cold ? Invariant($"cold start ({F(o.ColdWindowSeconds)} s window right after ready, {F(o.ColdWarmupSeconds)} s warm-up, window again = warm) and ") : "";
        return o.Cold || o.ClosedLoop is not null
            ? Invariant($"{cold}closed loop ({o.ClosedLoopConnections} connections{(o.All ? "; then 1" : "")}) with {buyers}; then ")
            : "";
    }

    public const string TableHeader =
        "target    phase     offered achieved |  e2e p50    p95    p99    max | ovh p50    p95    p99    max | pings/s | cpu s/1k | peak MB | errors | sold   | before | other | ok";

    public static string Row(StepResult s)
    {
        var e = s.EndToEnd;
        var h = s.Overhead;
        var ok = s.KeptUp switch { null => "", false => "no", true => s.WithinBound == true ? "yes" : "slow" };
        return Invariant(
            $"{s.Target,-9} {s.Phase,-8} {(s.Connections is { } c ? $"{c} conn" : s.OfferedRate.ToString("0", Inv)),8} {s.AchievedRate,8:0} | {e.P50Ms,7:0.0} {e.P95Ms,6:0.0} {e.P99Ms,6:0.0} {e.MaxMs,6:0} | {h.P50Ms,7:0.00} {h.P95Ms,6:0.00} {h.P99Ms,6:0.00} {h.MaxMs,6:0} | {s.PingsPerSecond,7:0} | {Opt(s.CpuSecondsPer1000Leads, "0.00"),8} | {Opt(s.PeakWorkingSetMb, "0"),7} | {s.Errors,6} | {s.Sold,6} | {s.LeadsBefore,6} | {Opt(s.OtherCpuCores, "0.00"),5} | {ok}");
    }

    public static string Summary(BenchReport r)
    {
        var sb = new StringBuilder();
        sb.AppendLine("Summary");
        if (r.Ab is { } ab) sb.Append(ab.Summary());
        foreach (var t in new[] { r.LeadHub, r.PostgresLeadHub, r.Baseline, r.StoringBaseline })
        {
            if (t is null) continue;
            if (t.Cold is { } cold && t.ClosedLoop is { } warm)
                sb.AppendLine(Invariant(
                    $"  {t.Target,-9} cold start: ready {t.StartToReadySeconds:0.0} s after start; first lead {t.ReadyToLoadSeconds:0.0} s after ready; first {cold.DurationSeconds:0} s {cold.AchievedRate:0} leads/s (p50 {cold.EndToEnd.P50Ms:0.0} ms, p99 {cold.EndToEnd.P99Ms:0.0} ms), warm {warm.AchievedRate:0} leads/s: cold/warm {t.ColdRatio:0.00}"));
            foreach (var (label, c) in new[] { ("closed loop", t.ClosedLoop), ("one at a time", t.OneAtATime) })
            {
                if (c is null) continue;
                sb.AppendLine(Invariant(
                    $"  {t.Target,-9} {label} ({c.Connections} conn): {c.AchievedRate:0} leads/s, latency p50 {c.EndToEnd.P50Ms:0.00} ms, p99 {c.EndToEnd.P99Ms:0.00} ms, overhead p50 {c.Overhead.P50Ms:0.00} ms, p99 {c.Overhead.P99Ms:0.00} ms, {c.Errors} errors"));
            }
            if (r.Options.FindMax)
            {
                var within = Invariant($"  {t.Target,-9} max rate with p99 overhead ≤ {F(r.Options.OverheadBoundMs)} ms: {t.MaxRateWithinBound:0} leads/s");
                var next = t.FirstOutsideBoundRate is { } f ? Invariant($" (next: {f:0}/s over the bound)") : "";
                var notAt = t.FirstNotKeptUpRate is { } n ? Invariant($" (not at {n:0}/s)") : "";
                sb.AppendLine($"{within}{next}; highest rate kept up with: {Opt(t.MaxKeptUpRate, "0")} leads/s{notAt}");
                foreach (var (label, o) in new[] { ("at half the rate kept up with", t.HalfSustained), ("at the low rate", t.Low) })
                {
                    if (o is null) continue;
                    sb.AppendLine(Invariant(
                        $"  {t.Target,-9} {label} ({o.OfferedRate:0}/s): overhead p50 {o.Overhead.P50Ms:0.00} ms, p99 {o.Overhead.P99Ms:0.00} ms; end-to-end p99 {o.EndToEnd.P99Ms:0.0} ms"));
                }
            }
            else
            {
                foreach (var s in t.Steps.Where(s => s.Phase == "run"))
                {
                    var kinds = s.ErrorKinds.Count > 0 ? $" ({string.Join(", ", s.ErrorKinds.Select(k => $"{k.Key}: {k.Value}"))})" : "";
                    sb.AppendLine(Invariant(
                        $"  {t.Target,-9} {s.AchievedRate:0} leads/s achieved of {s.OfferedRate:0} offered; p99 end-to-end {s.EndToEnd.P99Ms:0.0} ms, p99 overhead {s.Overhead.P99Ms:0.00} ms, {s.Errors} errors{kinds}"));
                }
            }
            if (t.Meters is { } meters) sb.AppendLine(meters.Summary(t.Target));
            if (t.Soak is { } soak)
                sb.AppendLine(Invariant(
                    $"  {t.Target,-9} soak {soak.Minutes:0.#} min at {soak.Rate:0}/s: working set first {soak.FirstMb:0} MB, last {soak.LastMb:0} MB, max {soak.MaxMb:0} MB, slope {soak.SlopeMbPerMinute:0.00} MB/min (second half {soak.LaterSlopeMbPerMinute:0.00} MB/min), floors after falls {soak.FloorsText}"));
            if (t.IdleCores is { } idle)
                sb.AppendLine(Invariant($"  {t.Target,-9} idle after the run: {idle:0.00} cores"));
            if (t.CpuWithDatabaseByPhase.Count > 0)
                sb.AppendLine(Invariant(
                    $"  {t.Target,-9} CPU s per 1000 leads, node + database server: {string.Join(", ", t.CpuWithDatabaseByPhase.Select(p => Invariant($"{p.Key} {p.Value.Node:0.00} + {p.Value.Database:0.00}")))}"));
            if (t.Steps.Where(s => s.StalledSeconds > 0).ToList() is { Count: > 0 } stalled)
                sb.AppendLine(Invariant(
                    $"  {t.Target,-9} stalled seconds (an answer's overhead over {StepResult.StallMs:0} ms): {string.Join(", ", stalled.Select(s => Invariant($"{s.Phase} {(s.Connections is { } c ? $"{c} conn" : $"{s.OfferedRate:0}/s")} {s.StalledSeconds}")))}"));
            if (t.PeakWorkingSetMbByPhase.Count > 0)
                sb.AppendLine(Invariant(
                    $"  {t.Target,-9} peak working set by phase: {string.Join(", ", t.PeakWorkingSetMbByPhase.Select(p => $"{p.Key} {p.Value:0} MB"))}"));
        }
        if (r.RatioWithinBound is { } ratio)
            sb.AppendLine(Invariant($"  LeadHub / baseline, max rate within the overhead bound: {ratio:0.00}"));
        if (r.RatioKeptUp is { } kept)
            sb.AppendLine(Invariant($"  LeadHub / baseline, highest rate kept up with: {kept:0.00}"));
        if (r.RatioClosedLoop is { } closed)
            sb.AppendLine(Invariant($"  LeadHub / baseline, closed loop leads/s: {closed:0.00}"));
        if (r.RatioKeptUpStoring is { } keptStoring)
            sb.AppendLine(Invariant($"  LeadHub / storing baseline, highest rate kept up with: {keptStoring:0.00}"));
        if (r.RatioClosedLoopStoring is { } closedStoring)
            sb.AppendLine(Invariant($"  LeadHub / storing baseline, closed loop leads/s: {closedStoring:0.00}"));
        if (r.RatioPostgres is { } pg)
            sb.AppendLine(Invariant($"  LeadHub PostgreSQL / SQLite, highest rate kept up with: {pg:0.00}"));
        if (r.Options.All) sb.AppendLine().Append(Targets(r));
        return sb.ToString().TrimEnd();
    }

    // The issue's targets, each with what this run measured. "n/a" = not measured in this run.
    public static string Targets(BenchReport r)
    {
        var lh = r.LeadHub;
        var sb = new StringBuilder("Targets (this machine, bench, buyers and target on the same cores, baseline in the same run)\n");
        void Line(string target, string measured, bool? met) =>
            sb.AppendLine($"  {target,-58} {measured,-42} {(met switch { true => "met", false => "MISSED", null => "n/a" })}");
        string Ratio(double? x) => x is { } v ? v.ToString("0.00", Inv) : "n/a";
        bool? AtLeast(double? x, double target) => x is { } v ? v >= target : null;

        // Not even the first find-max step kept up with: a ratio of 0, not "not measured".
        var keptUp = r.RatioKeptUp ?? (lh is { MaxKeptUpRate: null, FirstNotKeptUpRate: not null } && r.Baseline?.MaxKeptUpRate > 0 ? 0 : null);
        Line("warm max rate, open loop, ≥ 0.8 × baseline", Ratio(keptUp), AtLeast(keptUp, 0.8));
        Line("closed loop, instant buyers, ≥ 0.8 × baseline", Ratio(r.RatioClosedLoop), AtLeast(r.RatioClosedLoop, 0.8));
        foreach (var (label, o) in new[] { ("half the max", lh?.HalfSustained), ("the low rate", lh?.Low) })
        {
            var at = o is null ? "" : Invariant($" ({o.OfferedRate:0}/s)");
            Line($"overhead at {label}{at}: p50 ≤ 1 ms, p99 ≤ 3 ms",
                o is null ? "n/a" : Invariant($"p50 {o.Overhead.P50Ms:0.00} ms, p99 {o.Overhead.P99Ms:0.00} ms"),
                o is null ? null : o.Overhead.P50Ms <= 1 && o.Overhead.P99Ms <= 3);
        }
        Line($"cold: first {F(r.Options.ColdWindowSeconds)} s after ready ≥ 0.8 × warm", Ratio(lh?.ColdRatio), AtLeast(lh?.ColdRatio, 0.8));
        Line("PostgreSQL one node ≥ 0.6 × SQLite max rate", r.RatioPostgres is null ? "n/a (--postgres)" : Ratio(r.RatioPostgres),
            AtLeast(r.RatioPostgres, 0.6));
        Line("peak working set reported", lh?.Steps.Max(s => s.PeakWorkingSetMb) is { } peak ? Invariant($"{peak:0} MB") : "n/a",
            lh is null ? null : true);
        // "Not growing": the level it returns to after each fall rises under 1 MB a minute (SoakResult).
        Line("working set not growing over a soak at half the max",
            lh?.Soak is { } soak ? soak.Verdict : "n/a (--soak 10)",
            lh?.Soak?.NotGrowing);
        return (sb.ToString().TrimEnd() + "\n\n" + BesideTheBaselines(r)).TrimEnd();
    }

    // Not targets: what the targets' ratios leave out. The baseline stores nothing, so a ratio to it
    // prices in keeping each lead; the storing baseline keeps each lead the least way LeadHub's
    // promise allows, and at the low rate the baseline's own overhead is this machine's floor.
    public static string BesideTheBaselines(BenchReport r)
    {
        var sb = new StringBuilder("Beside the baselines (not targets: what a service that stores nothing, and one that keeps each lead, measure in the same run)\n");
        void Line(string what, string measured) => sb.AppendLine($"  {what,-58} {measured}");
        string Ratio(double? x) => x is { } v ? v.ToString("0.00", Inv) : "n/a (--baseline-store)";
        Line("closed loop, instant buyers, × storing baseline", Ratio(r.RatioClosedLoopStoring));
        Line("warm max rate, open loop, × storing baseline", Ratio(r.RatioKeptUpStoring));
        foreach (var (label, lead, baseline) in new[]
        {
            ("the low rate", r.LeadHub?.Low, r.Baseline?.Low),
            ("half the max", r.LeadHub?.HalfSustained, r.Baseline?.HalfSustained),
        })
        {
            Line($"overhead at {label}, LeadHub − baseline",
                lead is null || baseline is null ? "n/a"
                : Invariant($"p50 {lead.Overhead.P50Ms - baseline.Overhead.P50Ms:+0.00;-0.00} ms, p99 {lead.Overhead.P99Ms - baseline.Overhead.P99Ms:+0.00;-0.00} ms (baseline p50 {baseline.Overhead.P50Ms:0.00} ms at {baseline.OfferedRate:0}/s, LeadHub at {lead.OfferedRate:0}/s)"));
        }
        return sb.ToString().TrimEnd();
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task WriteJsonAsync(BenchReport report, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, report, Json);
    }

    private static string F(double v) => v.ToString("0.##", Inv);

    private static string Opt(double? v, string format) => v is { } x ? x.ToString(format, Inv) : "n/a";
}
