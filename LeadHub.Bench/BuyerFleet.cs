using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace LeadHub.Bench;

// N simulated ping/post buyers in the bench process, speaking the reference JSON of CONTRACT §2.
// One Kestrel server with one loopback port per buyer (each buyer is its own host:port, so the
// caller's per-server connection pools are per buyer, as with real buyers); buyer i answers at
// /b{i}/ping and /b{i}/post. Every answer waits a delay drawn from a normal distribution and
// always bids (normal around a mean) or accepts, so each lead costs exactly N pings and one post.
//
// Per pingId the fleet keeps the delays it applied, so the driver can subtract the buyers' own
// time from a lead's end-to-end latency (engine overhead).
public sealed class BuyerFleet : IAsyncDisposable
{
    private readonly WebApplication _app;
    // Replaced whole by SetLatency (--all switches between instant and N(50,10) buyers).
    private volatile FleetOptions _options;
    private readonly ConcurrentDictionary<string, LeadDelays> _delays = new();
    private long _pings, _posts;

    public IReadOnlyList<string> BaseUrls { get; }
    public int Count => BaseUrls.Count;
    public long Pings => Interlocked.Read(ref _pings);
    public long Posts => Interlocked.Read(ref _posts);

    private BuyerFleet(WebApplication app, FleetOptions options, IReadOnlyList<string> baseUrls)
    {
        _app = app;
        _options = options;
        BaseUrls = baseUrls;
    }

    public string PingUrl(int i) => $"{BaseUrls[i]}/b{i}/ping";
    public string PostUrl(int i) => $"{BaseUrls[i]}/b{i}/post";

    public static async Task<BuyerFleet> StartAsync(FleetOptions options)
    {
        if (options.Buyers < 1) throw new ArgumentOutOfRangeException(nameof(options), "at least one buyer");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Kestrel's default, stated because instant buyers depend on it: with Nagle on, a small
        // answer can wait ~40 ms for the caller's delayed ACK and the figures would be the kernel's.
        builder.WebHost.UseSockets(s => s.NoDelay = true);
        builder.WebHost.ConfigureKestrel(k =>
        {
            for (var i = 0; i < options.Buyers; i++) k.Listen(IPAddress.Loopback, 0);
            // Each is a file descriptor of this process: bounded well under its limit (see
            // LoadDriver's in-flight bound); past it a buyer refuses the connection, as a real one would.
            k.Limits.MaxConcurrentConnections = 12_000;
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        BuyerFleet? self = null;
        app.MapPost("/{buyer}/ping", (HttpContext http) => self!.AnswerAsync(http, ping: true));
        app.MapPost("/{buyer}/post", (HttpContext http) => self!.AnswerAsync(http, ping: false));
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => a.TrimEnd('/')).ToList();
        // Which port serves which buyer does not matter (every port serves every path), only
        // that each buyer gets a port of its own.
        self = new BuyerFleet(app, options, addresses);
        return self;
    }

    // Buyers' answer delay from now on: N(mean, sd) ms, 0 = at once.
    public void SetLatency(double meanMs, double sdMs) => _options = _options with { LatencyMeanMs = meanMs, LatencySdMs = sdMs };

    public (double MeanMs, double SdMs) Latency => (_options.LatencyMeanMs, _options.LatencySdMs);

    // The delays applied for one pingId; null if no buyer saw it. Removes it.
    public LeadDelays? Take(string pingId) => _delays.TryRemove(pingId, out var d) ? d : null;

    // Forgets what late answers (after their lead was done) left behind.
    public void Clear() => _delays.Clear();

    private async Task AnswerAsync(HttpContext http, bool ping)
    {
        var options = _options;
        var pingId = await ReadPingIdAsync(http.Request);
        var clock = Stopwatch.GetTimestamp();
        var delayMs = Normal(options.LatencyMeanMs, options.LatencySdMs);
        if (delayMs > 0)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(delayMs), http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // the caller gave up (timeout): nothing to answer
            }
        }
        // What the buyer actually took (timer slack included), so it is never counted as engine time.
        var applied = Stopwatch.GetElapsedTime(clock);
        if (pingId is not null)
        {
            var d = _delays.GetOrAdd(pingId, static _ => new LeadDelays());
            if (ping) d.AddPing(applied, options.ContractTimeout);
            else d.AddPost(applied);
        }

        byte[] body;
        if (ping)
        {
            Interlocked.Increment(ref _pings);
            var bid = Math.Round(Math.Max(0.5, Normal(options.BidMean, options.BidSd)), 2);
            body = Encoding.UTF8.GetBytes($"{{\"bid\":{bid.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}");
        }
        else
        {
            Interlocked.Increment(ref _posts);
            body = AcceptBody;
        }
        // Length known and one write: Kestrel sends headers and body in one segment, so the caller
        // never waits for a second packet (and an instant buyer is really instant).
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body);
    }

    private static readonly byte[] AcceptBody = """{"accepted":true,"buyerLeadId":"bench"}"""u8.ToArray();

    // Top-level "pingId" of the body, read without building a document.
    private static async Task<string?> ReadPingIdAsync(HttpRequest request)
    {
        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync();
            if (read.IsCompleted || read.IsCanceled)
            {
                var id = FindPingId(read.Buffer);
                reader.AdvanceTo(read.Buffer.End);
                return id;
            }
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static string? FindPingId(ReadOnlySequence<byte> body)
    {
        try
        {
            var json = new Utf8JsonReader(body);
            while (json.Read())
            {
                if (json.TokenType == JsonTokenType.PropertyName && json.CurrentDepth == 1 && json.ValueTextEquals("pingId"u8))
                {
                    json.Read();
                    return json.GetString();
                }
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    // A cold-start figure is LeadHub's, not the bench's: before a fresh node is started, the buyers'
    // server and the bench's HTTP client run until the bench's own JIT has caught up (JitActivity,
    // quiet three slices in a row), at most `budget`. Unnumbered pings
    // (no pingId) are not counted against any lead.
    public async Task<(int Requests, TimeSpan Took)> WarmUpAsync(TimeSpan budget)
    {
        var clock = Stopwatch.StartNew();
        var latency = _options;
        SetLatency(0, 0);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 });
        using var stop = new CancellationTokenSource(budget);
        var requests = 0;
        var senders = Enumerable.Range(0, 32).Select(async n =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var body = new StringContent("{}", Encoding.UTF8, "application/json");
                    using var answer = await http.PostAsync(n % 2 == 0 ? PingUrl(n % Count) : PostUrl(n % Count), body, stop.Token);
                    await answer.Content.ReadAsByteArrayAsync(stop.Token);
                    Interlocked.Increment(ref requests);
                }
                catch (OperationCanceledException) { }
            }
        }).ToList();
        var quiet = 0;
        var jit = new LeadHub.Core.Leads.JitActivity();
        using var slices = new PeriodicTimer(LeadHub.Core.Leads.JitActivity.Slice);
        try
        {
            while (await slices.WaitForNextTickAsync(stop.Token))
            {
                quiet = LeadHub.Core.Leads.JitActivity.IsQuiet(jit.CompiledSinceLast()) ? quiet + 1 : 0;
                if (quiet >= 3 && clock.Elapsed > TimeSpan.FromSeconds(2)) break;
            }
        }
        catch (OperationCanceledException) { }
        await stop.CancelAsync();
        await Task.WhenAll(senders);
        _options = latency;
        Interlocked.Exchange(ref _pings, 0);
        Interlocked.Exchange(ref _posts, 0);
        return (requests, clock.Elapsed);
    }

    // Box–Muller; never negative.
    internal static double Normal(double mean, double sd)
    {
        if (sd <= 0) return Math.Max(0, mean);
        var u1 = 1.0 - Random.Shared.NextDouble();
        var u2 = Random.Shared.NextDouble();
        return Math.Max(0, mean + sd * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

public sealed record FleetOptions
{
    public int Buyers { get; init; } = 10;
    public double LatencyMeanMs { get; init; } = 50;
    public double LatencySdMs { get; init; } = 10;
    public double BidMean { get; init; } = 10;
    public double BidSd { get; init; } = 2;

    // A ping answered after this counts as a timeout for the engine, so it is not part of the
    // buyers' time that a lead had to wait for.
    public TimeSpan ContractTimeout { get; init; } = TimeSpan.FromMilliseconds(500);
}

// What the buyers spent on one lead: the slowest ping that was answered in time, and the post(s).
public sealed class LeadDelays
{
    private long _slowestPingTicks, _postTicks;
    private int _pings, _posts;

    public int Pings => Volatile.Read(ref _pings);
    public int Posts => Volatile.Read(ref _posts);
    public TimeSpan SlowestInTimePing => TimeSpan.FromTicks(Interlocked.Read(ref _slowestPingTicks));
    public TimeSpan Post => TimeSpan.FromTicks(Interlocked.Read(ref _postTicks));

    // The part of a lead's latency that was the buyers': the auction waits for the slowest
    // in-time ping, then each post happens one after the other.
    public TimeSpan BuyerTime => SlowestInTimePing + Post;

    internal void AddPing(TimeSpan applied, TimeSpan timeout)
    {
        Interlocked.Increment(ref _pings);
        if (applied > timeout) return;
        var ticks = applied.Ticks;
        long seen;
        while (ticks > (seen = Interlocked.Read(ref _slowestPingTicks)))
        {
            if (Interlocked.CompareExchange(ref _slowestPingTicks, ticks, seen) == seen) break;
        }
    }

    internal void AddPost(TimeSpan applied)
    {
        Interlocked.Increment(ref _posts);
        Interlocked.Add(ref _postTicks, applied.Ticks);
    }
}
