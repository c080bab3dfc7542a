using System.Globalization;

namespace LeadHub.Bench;

// --ab: two LeadHub nodes side by side, A as the options start it and B with --ab-dll and --ab-env,
// loaded in turn in short closed-loop slices, A B, B A, A B, … On this machine the same build's closed
// loop moved by a fifth between runs minutes apart (README "How to read them"), so two builds measured
// one after the other could not show a change of 5-10 %: here each round compares neighbouring
// slices, and the order alternates, so drift falls on both alike. B's figures over A's, round by
// round, give the change's size and its noise.
public static class AbRun
{
    public static async Task<AbResult> RunAsync(LoadDriver driver, BuyerFleet fleet, BenchWorkspace workspace, BenchOptions options,
        TextWriter output, CancellationToken ct)
    {
        var connections = options.ClosedLoopConnections;
        var slice = TimeSpan.FromSeconds(options.DurationSeconds);
        using IBenchTarget a = options.AbBaseline is { } against
            ? await BaselineTarget.StartAsync(options, fleet, output, store: against == AbAgainst.StoringBaseline)
            : await LeadHubTarget.StartAsync(options, fleet, workspace, output, "A");
        using var b = await LeadHubTarget.StartAsync(options with
        {
            LeadHubDll = options.AbDll ?? options.LeadHubDll,
            NodeEnvironment = new Dictionary<string, string>(options.NodeEnvironment.Concat(options.AbEnvironment)
                .GroupBy(e => e.Key).Select(g => g.Last())),
        }, fleet, workspace, output, "B");
        output.WriteLine(options.AbBaseline is null
            ? $"A/B: B is {(options.AbDll is { } dll ? dll : "the same build")}{string.Concat(options.AbEnvironment.Select(e => $", {e.Key}={e.Value}"))}; {options.AbRounds} rounds of {F(options.DurationSeconds)} s a node"
            : $"A/B: A is {a.Name} (the {(options.AbBaseline == AbAgainst.StoringBaseline ? "storing baseline" : "baseline")}), B is LeadHub, so B / A is LeadHub's ratio to it; {options.AbRounds} rounds of {F(options.DurationSeconds)} s a target");
        output.WriteLine();
        output.WriteLine(Report.TableHeader);

        async Task<StepResult> Slice(IBenchTarget target, string phase, TimeSpan length)
        {
            ct.ThrowIfCancellationRequested();
            var step = await driver.RunClosedAsync(target, connections, length, phase);
            if (target.Process is { HasExited: true } dead)
                throw new InvalidOperationException($"{target.Name} died during the bench:\n{dead.RecentOutput()}");
            output.WriteLine(Report.Row(step));
            return step;
        }

        if (options.WarmupSeconds > 0)
        {
            await Slice(a, "warmup", TimeSpan.FromSeconds(options.WarmupSeconds));
            await Slice(b, "warmup", TimeSpan.FromSeconds(options.WarmupSeconds));
        }
        var rounds = new List<AbRound>();
        for (var i = 0; i < options.AbRounds; i++)
        {
            var phase = $"round{i + 1}";
            if (i % 2 == 0)
            {
                var first = await Slice(a, phase, slice);
                rounds.Add(new AbRound(first, await Slice(b, phase, slice)));
            }
            else
            {
                var first = await Slice(b, phase, slice);
                rounds.Add(new AbRound(await Slice(a, phase, slice), first));
            }
        }
        return new AbResult(connections, options.DurationSeconds, rounds);
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}

// One round: A's and B's slices, next to each other.
public sealed record AbRound(StepResult A, StepResult B)
{
    public double Rate => B.AchievedRate / A.AchievedRate;
    public double? Cpu => A.CpuSecondsPer1000Leads is > 0 && B.CpuSecondsPer1000Leads is { } cpu ? cpu / A.CpuSecondsPer1000Leads : null;
}

public sealed record AbResult(int Connections, double SliceSeconds, IReadOnlyList<AbRound> Rounds)
{
    // Student's t at 97.5 % for 1..30 degrees of freedom (then ~1.96).
    private static readonly double[] T975 =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    // Half the width of the 95 % interval of the rounds' mean ratio: a change whose interval holds 1 is
    // not shown by the run (an A/A run, one build against itself, measured 0.949 ± 0.125 over six rounds of 10 s).
    public static double HalfInterval(IReadOnlyList<double> ratios)
    {
        if (ratios.Count < 2) return double.NaN;
        var mean = ratios.Average();
        var sd = Math.Sqrt(ratios.Sum(x => (x - mean) * (x - mean)) / (ratios.Count - 1));
        var t = ratios.Count - 1 <= T975.Length ? T975[ratios.Count - 2] : 1.96;
        return t * sd / Math.Sqrt(ratios.Count);
    }

    public string Summary()
    {
        static string N(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        static string Ratios(IReadOnlyList<double> r, string better, bool higher) => r.Count == 0 ? "not measured" :
            $"mean {N(r.Average(), "0.000")} ± {N(HalfInterval(r), "0.000")} (95 %; rounds {N(r.Min(), "0.000")}–{N(r.Max(), "0.000")}), " +
            $"{better} in {r.Count(x => higher ? x > 1 : x < 1)} of {r.Count}";
        var cpu = Rounds.Where(r => r.Cpu is not null).Select(r => r.Cpu!.Value).ToList();
        return $"""
              A/B closed loop ({Connections} conn), {Rounds.Count} rounds of {N(SliceSeconds, "0.#")} s a node, A B, B A, …
                A leads/s: {string.Join(" ", Rounds.Select(r => N(r.A.AchievedRate, "0")))}; CPU-ms a lead: {string.Join(" ", Rounds.Select(r => N(r.A.CpuSecondsPer1000Leads ?? 0, "0.00")))}
                B leads/s: {string.Join(" ", Rounds.Select(r => N(r.B.AchievedRate, "0")))}; CPU-ms a lead: {string.Join(" ", Rounds.Select(r => N(r.B.CpuSecondsPer1000Leads ?? 0, "0.00")))}
                B / A leads/s: {Ratios(Rounds.Select(r => r.Rate).ToList(), "B ahead", higher: true)}
                B / A CPU a lead: {Ratios(cpu, "B cheaper", higher: false)}
                B / A p99 latency: {Ratios(Rounds.Select(r => r.B.EndToEnd.P99Ms / r.A.EndToEnd.P99Ms).ToList(), "B lower", higher: false)}
                errors: A {Rounds.Sum(r => r.A.Errors)}, B {Rounds.Sum(r => r.B.Errors)}
              """;
    }
}
