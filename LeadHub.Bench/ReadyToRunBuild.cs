using System.Diagnostics;

namespace LeadHub.Bench;

// LeadHub as README "Deploying" ships it: `dotnet publish` with ReadyToRun, so a fresh node runs
// precompiled code from its first lead instead of the JIT's first, unoptimised tier. Published
// once per bench run from the repository the bench was built in, into the bench's output folder.
public static class ReadyToRunBuild
{
    private static Task<string>? _published;

    public static Task<string> PublishAsync(TextWriter log) => _published ??= PublishCoreAsync(log);

    private static async Task<string> PublishCoreAsync(TextWriter log)
    {
        var project = Path.Combine(RepositoryRoot(), "LeadHub.Web", "LeadHub.Web.csproj");
        var output = Path.Combine(AppContext.BaseDirectory, "leadhub-r2r");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in PublishArguments(project, output)) info.ArgumentList.Add(a);
        log.WriteLine($"Publishing LeadHub with ReadyToRun: dotnet {string.Join(' ', info.ArgumentList)}");
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start dotnet publish");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dotnet publish failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        log.WriteLine($"Published in {watch.Elapsed.TotalSeconds:0} s to {output}");
        return Path.Combine(output, "LeadHub.Web.dll");
    }

    // The same command README "Deploying" gives, with this machine's runtime identifier.
    public static IReadOnlyList<string> PublishArguments(string project, string output) =>
    [
        "publish", project, "-c", "Release", "-r", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier,
        "--self-contained", "false", "-p:PublishReadyToRun=true", "-o", output,
    ];

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LeadHub.sln"))) return dir.FullName;
        throw new InvalidOperationException("--r2r needs the repository the bench was built in (LeadHub.sln not found above the bench)");
    }
}
