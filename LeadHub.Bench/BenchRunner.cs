namespace LeadHub.Bench;

// The whole bench as one call (the console program and the smoke test both use it): buyer
// fleet up, LeadHub measured, then the baseline on the same fleet, report printed (and written
// as JSON if asked). Targets run one after the other, never at once, so each has the machine.
public static class BenchRunner
{
    public static async Task<BenchReport> RunAsync(BenchOptions options, TextWriter output, CancellationToken ct = default)
    {
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
        using var driver = new LoadDriver(fleet, new LeadFactory(workspace.CampaignKey), TimeSpan.FromSeconds(options.RequestTimeoutSeconds));

        if (!options.BaselineOnly)
        {
            using var leadHub = await LeadHubTarget.StartAsync(options, fleet, workspace, output);
            report.LeadHub = await MeasureAsync(driver, leadHub, options, output, ct);
        }

        if (options.RunBaseline)
        {
            using var baseline = await BaselineTarget.StartAsync(options, fleet, output);
            report.Baseline = await MeasureAsync(driver, baseline, options, output, ct);
        }

        output.WriteLine();
        output.WriteLine(Report.Summary(report));
        if (options.JsonPath is { } path)
        {
            await Report.WriteJsonAsync(report, path);
            output.WriteLine($"JSON report: {Path.GetFullPath(path)}");
        }
        return report;
    }

    private static async Task<TargetResult> MeasureAsync(LoadDriver driver, IBenchTarget target, BenchOptions options, TextWriter output,
        CancellationToken ct)
    {
        var result = new TargetResult { Target = target.Name };
        var duration = TimeSpan.FromSeconds(options.DurationSeconds);
        output.WriteLine();
        output.WriteLine(Report.TableHeader);

        async Task<StepResult> Step(double rate, string phase, TimeSpan length)
        {
            for (var attempt = 1; ; attempt++)
            {
                ct.ThrowIfCancellationRequested();
                var step = await driver.RunAsync(target, rate, length, phase);
                var keptUp = KeptUp(step, options);
                step = step with { KeptUp = keptUp, WithinBound = keptUp && step.Overhead.P99Ms <= options.OverheadBoundMs };
                if (target.Process is { HasExited: true } dead)
                    throw new InvalidOperationException($"{target.Name} died during the bench:\n{dead.RecentOutput()}");
                // On a shared machine another program's burst can spoil a step: one that missed the
                // bound while other programs used the CPU is measured again.
                var disturbed = step.OtherCpuCores > options.OtherCpuLimit && step.WithinBound != true
                                && attempt < options.Attempts && phase != "warmup";
                if (disturbed) step = step with { Phase = phase + "?" };
                result.Steps.Add(step);
                output.WriteLine(Report.Row(step));
                if (options.PauseSeconds > 0) await Task.Delay(TimeSpan.FromSeconds(options.PauseSeconds), ct);
                if (!disturbed) return step;
                await Task.Delay(TimeSpan.FromSeconds(5), ct);
            }
        }

        if (options.WarmupSeconds > 0)
            await Step(Math.Min(options.FindMax ? options.StartRate : options.Rate, 200), "warmup", TimeSpan.FromSeconds(options.WarmupSeconds));

        if (!options.FindMax)
        {
            await Step(options.Rate, "run", duration);
            return result;
        }

        // Up by the factor while the target keeps up, whatever the overhead does.
        for (var rate = options.StartRate; rate <= options.MaxRate; rate = Math.Round(rate * options.StepFactor))
        {
            var step = await Step(rate, "step", duration);
            if (step.KeptUp == true) result.MaxKeptUpRate = rate;
            else
            {
                result.FirstNotKeptUpRate = rate;
                break;
            }
        }

        // Then bisection between the highest rate within the overhead bound and the lowest rate
        // above it that was not (steps are noisy, so the first failure is not taken as final).
        double lo = 0;
        double? firstOutside = null;
        void Bounds()
        {
            var measured = result.Steps.Where(s => s.Phase is "step" or "refine").ToList();
            lo = measured.Where(s => s.WithinBound == true).Select(s => s.OfferedRate).DefaultIfEmpty(0).Max();
            firstOutside = measured.Where(s => s.WithinBound != true && s.OfferedRate > lo)
                .Select(s => (double?)s.OfferedRate).Min();
        }
        Bounds();
        for (var i = 0; i < options.Refine && firstOutside is { } hi; i++)
        {
            var mid = Math.Round((lo + hi) / 2);
            if (mid <= lo || mid >= hi) break;
            await Step(mid, "refine", duration);
            Bounds();
        }
        result.MaxRateWithinBound = lo;
        result.FirstOutsideBoundRate = firstOutside;

        // The overhead at half the sustained rate: what a deployment sized for twice its load sees.
        if (result.MaxKeptUpRate is { } kept) result.HalfSustained = await Step(Math.Round(kept / 2), "half", duration);
        return result;
    }

    // A step is sustained when the answers came at the offered rate, almost none failed, and the
    // engine added less than an auction timeout to the 99th percentile lead.
    public static bool KeptUp(StepResult s, BenchOptions options) =>
        s.AchievedRate >= 0.95 * s.OfferedRate
        && s.Errors <= 0.01 * s.Sent
        && s.Overhead.P99Ms <= options.AuctionTimeoutMs;
}
