namespace LeadHub.Bench;

public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        // The bench starts this same assembly as its baseline service.
        if (args.Length > 0 && args[0] == BaselineService.Command) return await BaselineService.RunAsync(args[1..]);

        if (args.Length > 0 && args[0] == WriterBench.Flag)
        {
            string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
            await WriterBench.RunAsync(Arg("--postgres"), double.Parse(Arg("--duration") ?? "10", System.Globalization.CultureInfo.InvariantCulture), Console.Out,
                args.Contains("--idempotency-keys"));
            return 0;
        }

        if (args.Length > 0 && args[0] == ReplayBench.Flag)
        {
            await ReplayBench.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000, Console.Out);
            return 0;
        }

        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(BenchOptions.Usage);
            return 0;
        }
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(BenchOptions.Usage);
            return 2;
        }

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // First Ctrl+C: stop after the current step and clean up; a second one exits at once
            // (the child processes are still killed on the way out).
            if (cts.IsCancellationRequested) return;
            e.Cancel = true;
            cts.Cancel();
        };
        try
        {
            await BenchRunner.RunAsync(options, Console.Out, cts.Token);
            return 0;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Console.Error.WriteLine("Cancelled.");
            return 130;
        }
    }
}
