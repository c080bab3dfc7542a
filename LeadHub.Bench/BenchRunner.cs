using System.Diagnostics;
using System.Text;

namespace LeadHub.Bench;

// The whole bench as one call (the console program and the smoke test both use it): buyer
// fleet up, LeadHub measured, then the baseline on the same fleet, report printed (and written
// as JSON if asked). Targets run one after the other, never at once, so each has the machine.
public static class BenchRunner
{
    public static async Task<BenchReport> RunAsync(BenchOptions options, TextWriter output, CancellationToken ct = default)
    {
        var outPath = options.OutPath ?? (options.All ? DefaultResultPath("all.txt") : null);
        var copy = new StringWriter();
        if (outPath is not null) output = new TeeWriter(output, copy);

        var report = new BenchReport { Options = options, Machine = MachineInfo.Current() };
        output.WriteLine(Report.Header(report));

        await using var fleet = await BuyerFleet.StartAsync(new FleetOptions
        {
            Buyers = options.Buyers,
            LatencyMeanMs = options.LatencyMeanMs,
            LatencySdMs = options.LatencySdMs,
            BidMean = options.BidMean,
            BidSd = options.BidSd,
            ContractTimeout = TimeSpan.FromMilliseconds(options.ContractTimeoutMs),
        });
        output.WriteLine($"Buyer fleet: {fleet.Count} buyers on {string.Join(", ", fleet.BaseUrls.Take(3))}{(fleet.Count > 3 ? ", …" : "")}");
        var workspace = new BenchWorkspace();
        using var driver = new LoadDriver(fleet, new LeadFactory(workspace.CampaignKey), TimeSpan.FromSeconds(options.RequestTimeoutSeconds), options.TimelinePath,
            options.IdempotencyKeys);

        if (options.Cold)
        {
            var (requests, took) = await fleet.WarmUpAsync(TimeSpan.FromSeconds(30));
            output.WriteLine($"Bench side warmed before the cold start (its buyers and HTTP client): {requests} requests in {took.TotalSeconds:0.0} s");
        }

        if (options.Ab)
        {
            report.Ab = await AbRun.RunAsync(driver, fleet, workspace, options, output, ct);
        }
        else if (!options.BaselineOnly)
        {
            // --all --postgres: SQLite measured in full, then PostgreSQL (one node) by find-max beside it.
            var both = options.All && options.Postgres is not null;
            var sqlite = both ? options with { Postgres = null, Nodes = 1 } : options;
            using (var leadHub = await LeadHubTarget.StartAsync(sqlite, fleet, workspace, output))
                report.LeadHub = await MeasureAsync(driver, fleet, leadHub, sqlite, output, ct);
            if (both)
            {
                var pg = options with { Cold = false, ClosedLoop = null, SoakMinutes = 0, All = false, Nodes = 1 };
                using var pgHub = await LeadHubTarget.StartAsync(pg, fleet, workspace, output, "LeadHubPG");
                report.PostgresLeadHub = await MeasureAsync(driver, fleet, pgHub, pg, output, ct);
            }
        }

        if (options.RunBaseline)
        {
            using var baseline = await BaselineTarget.StartAsync(options, fleet, output);
            report.Baseline = await MeasureAsync(driver, fleet, baseline, options, output, ct);
        }

        if (options.StoringBaseline)
        {
            using var storing = await BaselineTarget.StartAsync(options, fleet, output, store: true);
            report.StoringBaseline = await MeasureAsync(driver, fleet, storing, options, output, ct);
        }

        output.WriteLine();
        output.WriteLine(Report.Summary(report));
        var jsonPath = options.JsonPath ?? (options.All && outPath is not null ? Path.ChangeExtension(outPath, ".json") : null);
        if (jsonPath is not null)
        {
            await Report.WriteJsonAsync(report, jsonPath);
            output.WriteLine($"JSON report: {Path.GetFullPath(jsonPath)}");
        }
        if (outPath is not null)
        {
            output.WriteLine($"Report: {Path.GetFullPath(outPath)}");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
            await File.WriteAllTextAsync(outPath, copy.ToString(), ct);
        }
        return report;
    }

    private static async Task<TargetResult> MeasureAsync(LoadDriver driver, BuyerFleet fleet, IBenchTarget target, BenchOptions options,
        TextWriter output, CancellationToken ct)
    {
        var result = new TargetResult { Target = target.Name };
        var duration = TimeSpan.FromSeconds(options.DurationSeconds);
        output.WriteLine();
        output.WriteLine(Report.TableHeader);

        StepResult Record(StepResult step)
        {
            if (target.Process is { HasExited: true } dead)
                throw new InvalidOperationException($"{target.Name} died during the bench:\n{dead.RecentOutput()}");
            result.Steps.Add(step);
            output.WriteLine(Report.Row(step));
            return step;
        }

        async Task<StepResult> Step(double rate, string phase, TimeSpan length)
        {
            for (var attempt = 1; ; attempt++)
            {
                ct.ThrowIfCancellationRequested();
                var step = await driver.RunAsync(target, rate, length, phase);
                var keptUp = KeptUp(step, options);
                step = step with { KeptUp = keptUp, WithinBound = keptUp && step.Overhead.P99Ms <= options.OverheadBoundMs };
                // On a shared machine another program's burst can spoil a step: one that missed the
                // bound while other programs used the CPU is measured again.
                var disturbed = step.OtherCpuCores > options.OtherCpuLimit && step.WithinBound != true
                                && attempt < options.Attempts && phase != "warmup";
                if (disturbed) step = step with { Phase = phase + "?" };
                Record(step);
                if (options.PauseSeconds > 0) await Task.Delay(TimeSpan.FromSeconds(options.PauseSeconds), ct);
                if (!disturbed) return step;
                await Task.Delay(TimeSpan.FromSeconds(5), ct);
            }
        }

        // Closed-loop steps have no offered rate to keep up with, so nothing to retry against.
        async Task<StepResult> Closed(int connections, string phase, TimeSpan length)
        {
            ct.ThrowIfCancellationRequested();
            var step = Record(await driver.RunClosedAsync(target, connections, length, phase));
            if (options.PauseSeconds > 0) await Task.Delay(TimeSpan.FromSeconds(options.PauseSeconds), ct);
            return step;
        }

        // Cold start and closed loop first: the target was just started and has served nothing yet.
        if (options.Cold || options.ClosedLoop is not null)
        {
            var (mean, sd) = fleet.Latency;
            if (options.InstantClosedLoop) fleet.SetLatency(0, 0);
            try
            {
                var n = options.ClosedLoopConnections;
                if (options.Cold)
                {
                    // LeadHub's workspace import lies between ready and the first lead: reported, not hidden.
                    if (target.Process is { ReadyTimestamp: > 0 } p)
                    {
                        result.ReadyToLoadSeconds = Stopwatch.GetElapsedTime(p.ReadyTimestamp).TotalSeconds;
                        result.StartToReadySeconds = p.StartToReadySeconds;
                    }
                    var window = TimeSpan.FromSeconds(options.ColdWindowSeconds);
                    result.Cold = await Closed(n, "cold", window);
                    if (options.ColdWarmupSeconds > 0) await Closed(n, "warming", TimeSpan.FromSeconds(options.ColdWarmupSeconds));
                    result.ClosedLoop = await Closed(n, "warm", window);
                }
                else
                {
                    if (options.WarmupSeconds > 0) await Closed(n, "warmup", TimeSpan.FromSeconds(options.WarmupSeconds));
                    result.ClosedLoop = await Closed(n, "closed", duration);
                }
                // One lead at a time: the engine's own latency with nothing queued behind it.
                if (options.All) result.OneAtATime = await Closed(1, "one", duration);
            }
            finally
            {
                fleet.SetLatency(mean, sd);
            }
        }

        // Open loop: a single rate unless another mode was asked for.
        var single = !options.FindMax && !options.Cold && options.ClosedLoop is null && options.SoakMinutes == 0;
        if (options.WarmupSeconds > 0 && (options.FindMax || single || options.SoakMinutes > 0))
            await Step(Math.Min(options.FindMax ? options.StartRate : options.Rate, 200), "warmup", TimeSpan.FromSeconds(options.WarmupSeconds));
        if (single) await Step(options.Rate, "run", duration);
        if (options.FindMax) await FindMaxAsync(result, options, Step, duration, TimeSpan.FromSeconds(5));

        if (options.SoakMinutes > 0)
        {
            // Back-to-back 10 s steps: each row is a sample of the working set and of the latency.
            var rate = options.FindMax ? Math.Round((result.MaxKeptUpRate ?? options.StartRate) / 2) : options.Rate;
            var samples = new List<StepResult>();
            for (var i = 0; i < Math.Ceiling(options.SoakMinutes * 6); i++)
            {
                ct.ThrowIfCancellationRequested();
                samples.Add(Record(await driver.RunAsync(target, rate, TimeSpan.FromSeconds(10), "soak")));
            }
            result.Soak = SoakResult.Of(rate, samples);
        }

        if (options.All && target.Process is { } idle)
        {
            var before = idle.CpuTime;
            var clock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
            result.IdleCores = Math.Round((idle.CpuTime - before).TotalSeconds / clock.Elapsed.TotalSeconds, 2);
        }
        // A scrape that fails costs the bench a line, never its run.
        if (target.Meters is { } meters)
        {
            try { result.Meters = await meters.ScrapeAsync(ct); }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { output.WriteLine($"{target.Name}: meters not read ({e.Message})"); }
        }
        return result;
    }

    // `drain`: the pause after a step the target fell behind on, so its queue does not spoil the next.
    public static async Task FindMaxAsync(TargetResult result, BenchOptions options, Func<double, string, TimeSpan, Task<StepResult>> step,
        TimeSpan duration, TimeSpan drain)
    {
        // Up by the factor while the target keeps up, whatever the overhead does.
        for (var rate = options.StartRate; rate <= options.MaxRate; rate = Math.Round(rate * options.StepFactor))
        {
            var s = await step(rate, "step", duration);
            if (s.KeptUp == true) result.MaxKeptUpRate = rate;
            else
            {
                result.FirstNotKeptUpRate = rate;
                break;
            }
        }

        // The ×factor steps are coarse (one step is 30 %): bisect between the highest rate kept up with
        // and the first that was not, so the ratios to the baseline are not rounded to a step.
        for (var i = 0; i < options.Refine && result is { MaxKeptUpRate: { } up, FirstNotKeptUpRate: { } down }; i++)
        {
            var mid = Math.Round((up + down) / 2);
            if (mid <= up || mid >= down) break;
            // The step before fell behind, or may have: its queue must not spoil this one.
            if (drain > TimeSpan.Zero) await Task.Delay(drain);
            var s = await step(mid, "max", duration);
            if (s.KeptUp == true) result.MaxKeptUpRate = mid;
            else result.FirstNotKeptUpRate = mid;
        }

        // Then bisection between the highest rate within the overhead bound and the lowest rate
        // above it that was not (steps are noisy, so the first failure is not taken as final).
        double lo = 0;
        double? firstOutside = null;
        void Bounds()
        {
            var measured = result.Steps.Where(s => s.Phase is "step" or "max" or "refine").ToList();
            lo = measured.Where(s => s.WithinBound == true).Select(s => s.OfferedRate).DefaultIfEmpty(0).Max();
            firstOutside = measured.Where(s => s.WithinBound != true && s.OfferedRate > lo)
                .Select(s => (double?)s.OfferedRate).Min();
        }
        Bounds();
        for (var i = 0; i < options.Refine && firstOutside is { } hi; i++)
        {
            var mid = Math.Round((lo + hi) / 2);
            if (mid <= lo || mid >= hi) break;
            await step(mid, "refine", duration);
            Bounds();
        }
        result.MaxRateWithinBound = lo;
        result.FirstOutsideBoundRate = firstOutside;

        // The overhead at half the sustained rate: what a deployment sized for twice its load sees;
        // and at a low fixed rate: the engine's floor when nothing queues.
        if (result.MaxKeptUpRate is { } kept) result.HalfSustained = await step(Math.Round(kept / 2), "half", duration);
        if (options.LowRate > 0) result.Low = await step(options.LowRate, "low", duration);
    }

    // A step is sustained when the answers came at the offered rate, almost none failed, and the
    // engine added less than an auction timeout to the 99th percentile lead.
    public static bool KeptUp(StepResult s, BenchOptions options) =>
        s.AchievedRate >= 0.95 * s.OfferedRate
        && s.Errors <= 0.01 * s.Sent
        && s.Overhead.P99Ms <= options.AuctionTimeoutMs;

    // LeadHub.Bench/results/<date>-<time>-<suffix> in the source tree when the bench runs from its build
    // output (dotnet run), else in the current directory.
    private static string DefaultResultPath(string suffix)
    {
        // The start time in the name: a second run on the same day kept the first one's name and overwrote it.
        var name = $"{DateTime.UtcNow:yyyy-MM-dd-HHmm}-{suffix}";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LeadHub.Bench.csproj"))) return Path.Combine(dir.FullName, "results", name);
        }
        return Path.GetFullPath(name);
    }

    // The console and a copy of everything printed, for the result file.
    private sealed class TeeWriter(TextWriter first, TextWriter second) : TextWriter
    {
        public override Encoding Encoding => first.Encoding;

        public override void Write(char value)
        {
            first.Write(value);
            second.Write(value);
        }

        public override void Write(string? value)
        {
            first.Write(value);
            second.Write(value);
        }

        public override void WriteLine(string? value)
        {
            first.WriteLine(value);
            second.WriteLine(value);
        }
    }
}
