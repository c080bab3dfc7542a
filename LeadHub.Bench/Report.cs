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

    // LeadHub's max rate within the overhead bound as a share of the baseline's (find-max only).
    public double? RatioWithinBound => Ratio(LeadHub?.MaxRateWithinBound, Baseline?.MaxRateWithinBound);

    // The same for the highest rate each kept up with at all.
    public double? RatioKeptUp => Ratio(LeadHub?.MaxKeptUpRate, Baseline?.MaxKeptUpRate);

    private static double? Ratio(double? a, double? b) => a is { } x && b is > 0 ? Math.Round(x / b.Value, 2) : null;
}

public sealed class TargetResult
{
    public string Target { get; init; } = "";
    public List<StepResult> Steps { get; init; } = [];

    // Find-max: the highest rate whose p99 engine overhead stayed within the bound (and kept up)…
    public double? MaxRateWithinBound { get; set; }
    public double? FirstOutsideBoundRate { get; set; }

    // …and the highest stepped rate it kept up with (answers at the offered rate, < 1 % errors).
    public double? MaxKeptUpRate { get; set; }
    public double? FirstNotKeptUpRate { get; set; }

    // A step at half of MaxKeptUpRate.
    public StepResult? HalfSustained { get; set; }
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
            Load: open loop, {(o.FindMax ? $"find-max from {F(o.StartRate)}/s ×{F(o.StepFactor)}, p99 overhead bound {F(o.OverheadBoundMs)} ms" : $"{F(o.Rate)} leads/s")}, {F(o.DurationSeconds)} s per step; baseline {(o.RunBaseline ? "on" : "off")}
            Overhead = end-to-end − (slowest in-time ping + post) as the buyers applied them. Latencies in ms; cpu s/1k = CPU seconds
            of the target process per 1000 leads; before = leads sent to the target earlier in this run; ok = kept up and p99 overhead
            within the bound (yes), kept up only (slow), fell behind (no); other = cores used by other programs during the step.
            """);
    }

    public const string TableHeader =
        "target   phase     offered achieved |  e2e p50    p95    p99    max | ovh p50    p95    p99    max | pings/s | cpu s/1k | peak MB | errors | sold   | before | other | ok";

    public static string Row(StepResult s)
    {
        var e = s.EndToEnd;
        var h = s.Overhead;
        var ok = s.KeptUp switch { null => "", false => "no", true => s.WithinBound == true ? "yes" : "slow" };
        return Invariant(
            $"{s.Target,-8} {s.Phase,-8} {s.OfferedRate,8:0} {s.AchievedRate,8:0} | {e.P50Ms,7:0.0} {e.P95Ms,6:0.0} {e.P99Ms,6:0.0} {e.MaxMs,6:0} | {h.P50Ms,7:0.00} {h.P95Ms,6:0.00} {h.P99Ms,6:0.00} {h.MaxMs,6:0} | {s.PingsPerSecond,7:0} | {Opt(s.CpuSecondsPer1000Leads, "0.00"),8} | {Opt(s.PeakWorkingSetMb, "0"),7} | {s.Errors,6} | {s.Sold,6} | {s.LeadsBefore,6} | {Opt(s.OtherCpuCores, "0.00"),5} | {ok}");
    }

    public static string Summary(BenchReport r)
    {
        var sb = new StringBuilder();
        sb.AppendLine("Summary");
        foreach (var t in new[] { r.LeadHub, r.Baseline })
        {
            if (t is null) continue;
            if (r.Options.FindMax)
            {
                var within = Invariant($"  {t.Target,-8} max rate with p99 overhead ≤ {F(r.Options.OverheadBoundMs)} ms: {t.MaxRateWithinBound:0} leads/s");
                var next = t.FirstOutsideBoundRate is { } f ? Invariant($" (next: {f:0}/s over the bound)") : "";
                var notAt = t.FirstNotKeptUpRate is { } n ? Invariant($" (not at {n:0}/s)") : "";
                sb.AppendLine($"{within}{next}; highest rate kept up with: {Opt(t.MaxKeptUpRate, "0")} leads/s{notAt}");
                if (t.HalfSustained is { } half)
                    sb.AppendLine(Invariant(
                        $"  {t.Target,-8} at half the rate kept up with ({half.OfferedRate:0}/s): p99 overhead {half.Overhead.P99Ms:0.00} ms, p99 end-to-end {half.EndToEnd.P99Ms:0.0} ms"));
            }
            else
            {
                foreach (var s in t.Steps.Where(s => s.Phase == "run"))
                {
                    var kinds = s.ErrorKinds.Count > 0 ? $" ({string.Join(", ", s.ErrorKinds.Select(k => $"{k.Key}: {k.Value}"))})" : "";
                    sb.AppendLine(Invariant(
                        $"  {t.Target,-8} {s.AchievedRate:0} leads/s achieved of {s.OfferedRate:0} offered; p99 end-to-end {s.EndToEnd.P99Ms:0.0} ms, p99 overhead {s.Overhead.P99Ms:0.00} ms, {s.Errors} errors{kinds}"));
                }
            }
        }
        if (r.RatioWithinBound is { } ratio)
            sb.AppendLine(Invariant($"  LeadHub / baseline, max rate within the overhead bound: {ratio:0.00}"));
        if (r.RatioKeptUp is { } kept)
            sb.AppendLine(Invariant($"  LeadHub / baseline, highest rate kept up with: {kept:0.00}"));
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
