using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LeadHub.Bench;

// A .NET app (LeadHub.Web.dll, or this bench's own baseline service) started as a child process
// on a free loopback port, ready once a health URL answers 200. Its CPU time and working set are
// what the report charges to the system under test.
public sealed class ChildProcess : IDisposable
{
    // Children still running when the bench exits (an exception, Ctrl+C) are killed with it.
    private static readonly HashSet<ChildProcess> Live = [];

    static ChildProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            ChildProcess[] live;
            lock (Live) live = [.. Live];
            foreach (var child in live) child.Dispose();
        };
    }

    private readonly Process _process;
    private readonly Lock _log = new();
    private readonly Queue<string> _lastLines = new();
    public Uri BaseAddress { get; }
    public int Id => _process.Id;

    // When the health URL first answered 200 (Stopwatch timestamp): where a cold start's clock starts.
    public long ReadyTimestamp { get; private set; }

    // Seconds from starting the process to ready: start-up, migrations and LeadHub's warm-up.
    public double StartToReadySeconds { get; private set; }

    private ChildProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public static async Task<ChildProcess> StartAsync(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment,
        string workingDirectory, string healthPath, TimeSpan readyTimeout)
    {
        if (!File.Exists(dll)) throw new FileNotFoundException($"Cannot start {dll}: not found", dll);
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
        foreach (var (k, v) in environment) info.Environment[k] = v;

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Cannot start {dll}");
        var child = new ChildProcess(process, baseAddress);
        lock (Live) Live.Add(child);
        process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await child.WaitUntilReadyAsync(healthPath, readyTimeout);
        }
        catch
        {
            child.Dispose();
            throw;
        }
        return child;
    }

    // The last lines the child printed, for an error message when it dies.
    public string RecentOutput()
    {
        lock (_log) return string.Join(Environment.NewLine, _lastLines);
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        // What the node's warm-up did before it said ready: part of the cold-start figure.
        if (line.Contains("Warmed up the hot path", StringComparison.Ordinal)) Console.WriteLine($"  LeadHub: {line.Trim()}");
        lock (_log)
        {
            _lastLines.Enqueue(line);
            while (_lastLines.Count > 40) _lastLines.Dequeue();
        }
    }

    private async Task WaitUntilReadyAsync(string healthPath, TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{_process.StartInfo.ArgumentList[0]} exited with {_process.ExitCode}:\n{RecentOutput()}");
            try
            {
                using var response = await http.GetAsync(healthPath);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    ReadyTimestamp = Stopwatch.GetTimestamp();
                    StartToReadySeconds = clock.Elapsed.TotalSeconds;
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{_process.StartInfo.ArgumentList[0]} was not ready in {timeout.TotalSeconds:0} s:\n{RecentOutput()}");
    }

    public bool HasExited => _process.HasExited;

    // A node that died under load says why (its exit code and last lines), not only that it has exited.
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            if (_process.HasExited)
                throw new InvalidOperationException($"{_process.StartInfo.ArgumentList[0]} exited with {_process.ExitCode}:\n{RecentOutput()}");
            return _process.TotalProcessorTime;
        }
    }

    public long WorkingSet
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    public void Dispose()
    {
        lock (Live) Live.Remove(this);
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    // A port for a child to listen on, below Linux's ephemeral range (32768–60999): a port the OS had
    // handed out for "any port" was free when asked but could go to another listener or a client
    // socket before the child bound it; when that was another LeadHub (tests run in parallel) it
    // answered the child's /health/ready and the child, unable to bind, exited.
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20000, 32768);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("No free port between 20000 and 32767 on 127.0.0.1");
    }
}
