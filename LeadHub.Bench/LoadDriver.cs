using System.Globalization;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HdrHistogram;

namespace LeadHub.Bench;

// Open-loop load (RunAsync): lead i is sent at start + i/rate whatever happened to the earlier ones, and its
// latency counts from that scheduled time, so a slow answer can never hold back the next
// request and hide its own queueing (no coordinated omission). Closed-loop load (RunClosedAsync):
// a fixed number of senders, each waiting for its answer, as a publisher's synchronous client
// does; it measures throughput at full load and per-lead latency. One shared HttpClient.
public sealed class LoadDriver : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;
    private readonly BuyerFleet _fleet;
    private readonly LeadFactory _leads;
    private readonly TimeSpan _requestTimeout;
    private readonly Dictionary<string, long> _sentTo = [];
    private readonly string? _timelinePath;
    private readonly bool _idempotencyKeys;

    public LoadDriver(BuyerFleet fleet, LeadFactory leads, TimeSpan requestTimeout, string? timelinePath = null, bool idempotencyKeys = false)
    {
        _idempotencyKeys = idempotencyKeys;
        _timelinePath = timelinePath;
        _fleet = fleet;
        _leads = leads;
        _requestTimeout = requestTimeout;
        _http = new HttpClient(new SocketsHttpHandler
        {
            // Open loop: a slow target makes answers pile up, each on a connection of its own.
            MaxConnectionsPerServer = 4096,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            UseCookies = false,
        })
        { Timeout = Timeout.InfiniteTimeSpan };
    }

    // Open loop at `rate` for `duration`.
    public Task<StepResult> RunAsync(IBenchTarget target, double rate, TimeSpan duration, string phase) =>
        MeasureAsync(target, phase, rate, null, duration, async run =>
        {
            var total = (long)Math.Round(rate * duration.TotalSeconds);
            var started = Stopwatch.GetTimestamp();
            var scheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var scheduler = new Thread(() =>
            {
                try
                {
                    run.Schedule(started, rate, total);
                    scheduled.SetResult();
                }
                catch (Exception e)
                {
                    scheduled.SetException(e);
                }
            })
            { IsBackground = true, Name = "bench-scheduler", Priority = ThreadPriority.AboveNormal };
            scheduler.Start();
            await scheduled.Task;
            return total;
        });

    // Closed loop: `connections` senders, each posting its next lead as soon as the previous answer
    // came back, until `duration` is over. Latency counts from each send (nothing is scheduled).
    public Task<StepResult> RunClosedAsync(IBenchTarget target, int connections, TimeSpan duration, string phase) =>
        MeasureAsync(target, phase, 0, connections, duration, run => run.ClosedLoopAsync(connections, duration));

    private async Task<StepResult> MeasureAsync(IBenchTarget target, string phase, double rate, int? connections, TimeSpan duration,
        Func<Run, Task<long>> drive)
    {
        var run = new Run(this, target);
        _fleet.Clear();
        var pingsBefore = _fleet.Pings;
        var cpuBefore = target.Process?.CpuTime;
        var benchCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var machineBefore = MachineCpu.BusySeconds();
        var databaseBefore = target.DatabaseCpuSeconds();
        var clock = Stopwatch.StartNew();
        long peakWorkingSet = target.Process?.WorkingSet ?? 0;
        using var sampler = target.Process is { } p
            ? new Timer(_ =>
            {
                try
                {
                    if (!p.HasExited) InterlockedMax(ref peakWorkingSet, p.WorkingSet);
                }
                catch (InvalidOperationException)
                {
                }
            }, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(200))
            : null;

        var sentBefore = _sentTo.GetValueOrDefault(target.Name);
        var total = await drive(run);
        _sentTo[target.Name] = sentBefore + total;
        try
        {
            // Every lead answered or timed out on its own deadline.
            await run.AllDone.Task.WaitAsync(_requestTimeout + TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }

        // Answers per second over the span they arrived in (never shorter than the step): a target
        // that falls behind spreads its answers over a longer span.
        var answerSpan = run.Ok > 1 ? Stopwatch.GetElapsedTime(run.FirstAnswer, run.LastAnswer) : TimeSpan.Zero;
        var cpu = target.Process is { } proc && cpuBefore is { } before ? proc.CpuTime - before : (TimeSpan?)null;
        if (target.Process is { HasExited: false } q) InterlockedMax(ref peakWorkingSet, q.WorkingSet);
        var benchCpu = Process.GetCurrentProcess().TotalProcessorTime - benchCpuBefore;
        var databaseCpu = target.DatabaseCpuSeconds() - databaseBefore;
        // CPU that neither the bench nor the target (nor its database) used: other programs on the
        // machine, which make the step's figures worse than the target deserves.
        double? otherCores = MachineCpu.BusySeconds() is { } machineAfter && machineBefore is { } mb
            ? Math.Max(0, (machineAfter - mb - benchCpu.TotalSeconds - (cpu?.TotalSeconds ?? 0) - (databaseCpu ?? 0)) / clock.Elapsed.TotalSeconds)
            : null;
        var pings = _fleet.Pings - pingsBefore;
        _fleet.Clear();
        if (_timelinePath is not null) File.AppendAllLines(_timelinePath, run.TimelineLines(target.Name, phase));

        var seconds = Math.Max(duration.TotalSeconds, answerSpan.TotalSeconds);
        return new StepResult
        {
            Target = target.Name,
            Phase = phase,
            OfferedRate = rate,
            Connections = connections,
            DurationSeconds = duration.TotalSeconds,
            Sent = total,
            LeadsBefore = sentBefore,
            Answered = run.Ok,
            Sold = run.Sold,
            Unsold = run.Unsold,
            Duplicate = run.Duplicate,
            Errors = run.ErrorCount,
            ErrorKinds = run.Errors.OrderByDescending(e => e.Value).Take(5).ToDictionary(e => e.Key, e => e.Value),
            AchievedRate = run.Ok / seconds,
            EndToEnd = LatencySummary.Of(run.EndToEnd),
            Overhead = LatencySummary.Of(run.Overhead),
            BuyerTimeMeanMs = run.Ok == 0 ? 0 : run.BuyerTimeTicks / (double)run.Ok / TimeSpan.TicksPerMillisecond,
            PingsPerSecond = pings / seconds,
            CpuSecondsPer1000Leads = cpu is { } c && run.Ok > 0 ? c.TotalSeconds * 1000 / run.Ok : null,
            PeakWorkingSetMb = target.Process is null ? null : peakWorkingSet / (1024.0 * 1024.0),
            EndWorkingSetMb = target.Process is { HasExited: false } w ? w.WorkingSet / (1024.0 * 1024.0) : null,
            BenchCpuSecondsPer1000Leads = run.Ok > 0 ? benchCpu.TotalSeconds * 1000 / run.Ok : null,
            DatabaseCpuSecondsPer1000Leads = databaseCpu is { } d && run.Ok > 0 ? d * 1000 / run.Ok : null,
            OtherCpuCores = target.Process is null ? null : otherCores,
            StalledSeconds = run.SecondsWithOverheadOver(StepResult.StallMs),
        };
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while (value > (seen = Interlocked.Read(ref target)))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) break;
        }
    }

    private static void InterlockedMin(ref long target, long value)
    {
        long seen;
        while (value < (seen = Interlocked.Read(ref target)))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) break;
        }
    }

    public void Dispose() => _http.Dispose();

    // One step's requests and what came back.
    private sealed class Run(LoadDriver driver, IBenchTarget target)
    {
        private readonly Lock _sync = new();
        private long _inFlight = 1; // the scheduler's own hold, released when it has sent everything
        private long _firstAnswer = long.MaxValue, _lastAnswer;
        public LongHistogram EndToEnd { get; } = new(TimeSpan.FromMinutes(2).Ticks / 10, 3); // microseconds
        public LongHistogram Overhead { get; } = new(TimeSpan.FromMinutes(2).Ticks / 10, 3);
        public ConcurrentDictionary<string, long> Errors { get; } = new();
        public TaskCompletionSource AllDone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public long Ok, Sold, Unsold, Duplicate, ErrorCount, BuyerTimeTicks;
        public long FirstAnswer => Interlocked.Read(ref _firstAnswer);
        public long LastAnswer => Interlocked.Read(ref _lastAnswer);

        // Per wall-clock second of answer: answers, slowest end-to-end and overhead (µs).
        private readonly SortedDictionary<long, (long Answers, long MaxEndToEnd, long MaxOverhead)> _seconds = [];

        public int SecondsWithOverheadOver(double ms)
        {
            lock (_sync) return _seconds.Count(s => s.Value.MaxOverhead > ms * 1000);
        }

        public IEnumerable<string> TimelineLines(string target, string phase)
        {
            lock (_sync)
            {
                return _seconds.Select(s => string.Create(CultureInfo.InvariantCulture,
                    $"{new DateTime(s.Key * TimeSpan.TicksPerSecond, DateTimeKind.Utc):HH:mm:ss} {target} {phase} answered {s.Value.Answers} e2e-max {s.Value.MaxEndToEnd / 1000.0:0.000} ovh-max {s.Value.MaxOverhead / 1000.0:0.000} ms"))
                    .ToList();
            }
        }

        public void Schedule(long started, double rate, long total)
        {
            var ticksPerLead = Stopwatch.Frequency / rate;
            var oneMs = Stopwatch.Frequency / 1000;
            // Open loop past saturation piles up requests without end; a second's worth in flight is
            // far past any target that keeps up (its leads take ~0.1 s), so the rest are counted, not
            // sent. Bounded in all, because every lead in flight holds sockets in this process (its
            // connection, and up to ten buyer connections of the fleet's): at 1,797 leads/s the
            // baseline fell behind, the bench ran out of file descriptors (ulimit -n 20000) and the
            // runtime aborted with "Out of memory.".
            var maxInFlight = Math.Clamp((long)rate, 500, 1500);
            for (long i = 0; i < total;)
            {
                var due = started + (long)(i * ticksPerLead);
                var now = Stopwatch.GetTimestamp();
                // Sleep(1) is the finest wait without spinning a core; a lead due within the next
                // millisecond goes now, and its latency then counts from when it really went.
                if (due - now > oneMs)
                {
                    Thread.Sleep(1);
                    continue;
                }
                if (Interlocked.Read(ref _inFlight) > maxInFlight)
                {
                    Error("not sent: target too far behind");
                    i++;
                    continue;
                }
                var body = driver._leads.Next();
                Interlocked.Increment(ref _inFlight);
                _ = SendAsync(body, Math.Min(due, Stopwatch.GetTimestamp()));
                i++;
            }
            Done();
        }

        public async Task<long> ClosedLoopAsync(int connections, TimeSpan duration)
        {
            var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            long sent = 0;
            async Task Sender()
            {
                await Task.Yield();
                while (Stopwatch.GetTimestamp() < end)
                {
                    Interlocked.Increment(ref sent);
                    Interlocked.Increment(ref _inFlight);
                    await SendAsync(driver._leads.Next(), Stopwatch.GetTimestamp());
                }
            }
            await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Sender()));
            Done();
            return sent;
        }

        private long _nextNode;

        private async Task SendAsync(byte[] body, long start)
        {
            try
            {
                using var timeout = new CancellationTokenSource(driver._requestTimeout);
                var urls = target.AllLeadsUrls;
                var url = urls.Count == 1 ? urls[0] : urls[(int)(Interlocked.Increment(ref _nextNode) % urls.Count)];
                using var request = new HttpRequestMessage(HttpMethod.Post, url);
                request.Content = new ByteArrayContent(body) { Headers = { ContentType = Json } };
                request.Headers.TryAddWithoutValidation("X-Api-Key", target.ApiKey);
                if (driver._idempotencyKeys) request.Headers.TryAddWithoutValidation("Idempotency-Key", Guid.NewGuid().ToString());
                using var response = await driver._http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
                var answer = await response.Content.ReadAsByteArrayAsync(timeout.Token);
                var end = Stopwatch.GetTimestamp();
                if (!response.IsSuccessStatusCode)
                {
                    Error($"HTTP {(int)response.StatusCode}");
                    return;
                }
                var (leadId, status) = Parse(answer);
                if (leadId is null)
                {
                    Error("unparsable answer");
                    return;
                }
                InterlockedMax(ref _lastAnswer, end);
                InterlockedMin(ref _firstAnswer, end);
                var e2e = Stopwatch.GetElapsedTime(start, end);
                var buyers = driver._fleet.Take(leadId)?.BuyerTime ?? TimeSpan.Zero;
                var overhead = e2e - buyers;
                lock (_sync)
                {
                    EndToEnd.RecordValue(Math.Max(0, e2e.Ticks / 10));
                    Overhead.RecordValue(Math.Max(0, overhead.Ticks / 10));
                    var second = DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond;
                    var was = _seconds.GetValueOrDefault(second);
                    _seconds[second] = (was.Answers + 1, Math.Max(was.MaxEndToEnd, e2e.Ticks / 10), Math.Max(was.MaxOverhead, overhead.Ticks / 10));
                    Ok++;
                    BuyerTimeTicks += buyers.Ticks;
                    switch (status)
                    {
                        case "sold": Sold++; break;
                        case "unsold": Unsold++; break;
                        case "duplicate": Duplicate++; break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                Error("timeout");
            }
            catch (HttpRequestException e)
            {
                Error("connection: " + e.HttpRequestError);
            }
            finally
            {
                Done();
            }
        }

        private void Done()
        {
            if (Interlocked.Decrement(ref _inFlight) == 0) AllDone.TrySetResult();
        }

        private void Error(string kind)
        {
            Interlocked.Increment(ref ErrorCount);
            Errors.AddOrUpdate(kind, 1, (_, n) => n + 1);
        }

        private static (string? LeadId, string? Status) Parse(byte[] answer)
        {
            try
            {
                using var doc = JsonDocument.Parse(answer);
                var root = doc.RootElement;
                return (root.TryGetProperty("leadId", out var id) ? id.GetString() : null,
                        root.TryGetProperty("status", out var s) ? s.GetString() : null);
            }
            catch (JsonException)
            {
                return (null, null);
            }
        }
    }
}

// Valid leads of distinct people (phone and email never repeat within a run), so dedupe finds
// nothing and every lead is routed.
public sealed class LeadFactory(string campaign)
{
    private static readonly string[] AreaCodes = ["415", "650", "408", "510", "925", "707", "916", "213", "310", "818"];
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private long _next = -1;

    public byte[] Next()
    {
        var n = Interlocked.Increment(ref _next);
        var area = AreaCodes[(n / 1_000_000) % AreaCodes.Length];
        var phone = $"+1 {area} 2{(n / 10_000) % 100:00} {n % 10_000:0000}";
        return Encoding.UTF8.GetBytes(
            $$$"""{"campaign":"{{{campaign}}}","subId":"bench","fields":{"first_name":"Ana","last_name":"Ruiz","email":"lead.{{{_run}}}.{{{n}}}@example.com","phone":"{{{phone}}}","zip":"94107","state":"CA","age":{{{25 + n % 40}}},"homeowner":{{{(n % 2 == 0 ? "true" : "false")}}},"tcpa_consent":true}}""");
    }
}

public sealed record LatencySummary(double P50Ms, double P95Ms, double P99Ms, double MaxMs, double MeanMs)
{
    public static LatencySummary Of(LongHistogram us) => us.TotalCount == 0
        ? new LatencySummary(0, 0, 0, 0, 0)
        : new LatencySummary(Ms(us.GetValueAtPercentile(50)), Ms(us.GetValueAtPercentile(95)), Ms(us.GetValueAtPercentile(99)),
            Ms(us.GetMaxValue()), Math.Round(us.GetMean() / 1000.0, 2));

    private static double Ms(long microseconds) => Math.Round(microseconds / 1000.0, 2);
}

// One measured step: one target, one offered rate, one duration.
public sealed record StepResult
{
    public string Target { get; init; } = "";
    public string Phase { get; init; } = "";
    public double OfferedRate { get; init; }

    // Closed-loop steps: the number of connections (OfferedRate is then 0).
    public int? Connections { get; init; }
    public double DurationSeconds { get; init; }
    public long Sent { get; init; }

    // Leads this target was sent earlier in the run (what its database already holds).
    public long LeadsBefore { get; init; }
    public long Answered { get; init; }
    public long Sold { get; init; }
    public long Unsold { get; init; }
    public long Duplicate { get; init; }
    public long Errors { get; init; }
    public Dictionary<string, long> ErrorKinds { get; init; } = [];
    public double AchievedRate { get; init; }
    public LatencySummary EndToEnd { get; init; } = new(0, 0, 0, 0, 0);
    public LatencySummary Overhead { get; init; } = new(0, 0, 0, 0, 0);
    public double BuyerTimeMeanMs { get; init; }
    public double PingsPerSecond { get; init; }
    public double? CpuSecondsPer1000Leads { get; init; }
    public double? PeakWorkingSetMb { get; init; }

    // Wall-clock seconds in which some answer's overhead passed StallMs: the node or the machine stopped
    // for that long (README "Stalls"); a slow buyer does not count, its time is not overhead.
    public const double StallMs = 1000;
    public int StalledSeconds { get; init; }

    // The target's working set when the step ended (the soak's samples).
    public double? EndWorkingSetMb { get; init; }
    public double? BenchCpuSecondsPer1000Leads { get; init; }

    // The database server's CPU (PostgreSQL on this machine) per 1000 leads answered: part of what a
    // lead costs, and not a disturbance.
    public double? DatabaseCpuSecondsPer1000Leads { get; init; }

    // Cores used on average by other processes than the bench and the target during the step.
    public double? OtherCpuCores { get; init; }

    // Set by find-max: kept up with the offered rate, and within the overhead bound.
    public bool? KeptUp { get; init; }
    public bool? WithinBound { get; init; }
}

// CPU time of a PostgreSQL server on this machine (Linux /proc): every process named postgres, with
// what each has reaped from its exited children (cutime/cstime: the postmaster's backends), so a
// connection closed during a step still counts.
public static class PostgresServerCpu
{
    public static bool IsLocal(string connectionString)
    {
        try
        {
            var host = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Host ?? "";
            return OperatingSystem.IsLinux() && host.Split(',').All(h => h is "127.0.0.1" or "::1" or "localhost" || h.StartsWith('/'));
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public static double? Seconds()
    {
        try
        {
            long ticks = 0;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!char.IsAsciiDigit(Path.GetFileName(dir)[0])) continue;
                string stat;
                try
                {
                    stat = File.ReadAllText(Path.Combine(dir, "stat"));
                }
                catch (IOException)
                {
                    continue; // exited while we looked
                }
                // pid (comm) state ppid … utime(14) stime(15) cutime(16) cstime(17), counted from 1
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                if (open < 0 || close < open || stat[(open + 1)..close] != "postgres") continue;
                var f = stat[(close + 2)..].Split(' ');
                ticks += long.Parse(f[11]) + long.Parse(f[12]) + long.Parse(f[13]) + long.Parse(f[14]);
            }
            return ticks / 100.0;
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}

// Busy CPU time of the whole machine (Linux /proc/stat), to tell a step disturbed by other programs.
public static class MachineCpu
{
    public static double? BusySeconds()
    {
        try
        {
            if (!File.Exists("/proc/stat")) return null;
            var line = File.ReadLines("/proc/stat").First();
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            // user nice system idle iowait irq softirq steal …, in USER_HZ (100 per second)
            var busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f.Length > 7 ? f[7] : 0);
            return busy / 100.0;
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
