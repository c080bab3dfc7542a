using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LeadHub.Core.Delivery;
using LeadHub.Core.Suppression;
using LeadHub.Core.Telemetry;
using LeadHub.Core.Workspace;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Leads;

// .NET compiles a method quickly and poorly on its first calls and well only after ~30 calls and a
// moment in the background (tiered JIT): a node that took traffic the moment its database answered
// ran at a third of its warm speed, and the auction deadline counts from arrival, so it undersold.
// Before /health/ready says yes, this runs the hot path for real, without selling anything: sample
// leads of every campaign go through a lead intake of its own (WarmUpLane: a throw-away database, a
// workspace copy whose contracts all point at a loopback buyer of its own, throw-away caps and
// health) and, once the server listens, through the node's own publisher endpoint over loopback
// (Kestrel, the key check, rate limit, body and answer JSON), where only the lane's one-off key leads
// to the lane. The real lead writer rehearses its statements in transactions it rolls back. No
// real lead, cap, figure or buyer is touched. It runs until the rate stops rising and the JIT is
// quiet (WatchForPlateauAsync), at most WarmUpSeconds.
public sealed class HotPathWarmUp(
    RoutingSnapshotHolder snapshots,
    LeadWriter writer,
    IBuyerTransport transport,
    SuppressionLists suppression,
    TimeProvider time,
    IOptions<LeadHubOptions> options,
    IHostEnvironment env,
    IHostApplicationLifetime lifetime,
    IServiceProvider services,
    ILoggerFactory loggers,
    ILogger<HotPathWarmUp> log) : BackgroundService
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsWarm => _done.Task.IsCompleted;

    // The warm-up's own publisher lane while it runs; null before and after. Read by request threads.
    private volatile WarmUpLane? _lane;
    public WarmUpLane? Lane => _lane;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var budget = TimeSpan.FromSeconds(options.Value.WarmUpSeconds);
        try
        {
            if (budget > TimeSpan.Zero) await RunAsync(budget, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A warm-up that fails costs speed, never availability.
            log.LogWarning(e, "Warm-up failed; serving cold");
        }
        finally
        {
            _done.TrySetResult();
        }
    }

    private async Task RunAsync(TimeSpan budget, CancellationToken ct)
    {
        var snapshot = snapshots.Current;
        if (snapshot.Campaigns.Count == 0) return;
        using var buyer = new LoopbackBuyer();
        // Rehearsal pings, posts and leads are not traffic: the metrics never count them.
        LeadHubMetrics.Muted = true;
        var watch = Stopwatch.StartNew();
        await using var lane = await WarmUpLane.OpenAsync(snapshot, buyer.Url, transport, suppression, time, env, lifetime, loggers, ct);
        var campaigns = lane.Snapshots.Current.Campaigns.Values.ToList();
        var samples = campaigns.Select(c => JsonSerializer.SerializeToElement(ContractTrial.SampleLead(c.Config.Fields))).ToList();
        var bodies = campaigns.Select((c, n) => JsonSerializer.SerializeToUtf8Bytes(new { campaign = c.Key, subId = "warm-up", fields = samples[n] })).ToList();
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
        var endpoint = PublisherEndpointAsync(ct);
        _lane = lane;
        using var plateau = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // On a thread of its own: SQLite's "async" calls complete synchronously, and a loop of them
        // started inline ran the whole budget before the first auction began.
        var rehearsals = Task.Run(() => RehearseWritesAsync(watch, budget, plateau.Token));
        int leads = 0, overHttp = 0;
        Uri? Endpoint() => endpoint.IsCompletedSuccessfully ? endpoint.Result : null;
        // Not warm before every campaign's lead went through the endpoint once (when there is one that works).
        bool MayStop() => endpoint.IsCompleted
            && (Endpoint() is null || Volatile.Read(ref _endpointFailed) == 1 || Volatile.Read(ref overHttp) >= campaigns.Count);
        var rates = WatchForPlateauAsync(() => Volatile.Read(ref leads), MayStop, watch, budget, plateau);
        // A few at a time, as traffic would come; long enough for the JIT's second tier to catch up.
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, int.MaxValue).TakeWhile(i => i < campaigns.Count || watch.Elapsed < budget),
                new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = plateau.Token }, async (i, token) =>
                {
                    var n = i % campaigns.Count;
                    // A request once begun runs to its answer (not cancelled with the loop): the lane
                    // closes only after its last lead is through.
                    if (Endpoint() is { } url && await PostAsync(http, url, lane.ApiKey, bodies[n], ct))
                    {
                        Interlocked.Increment(ref overHttp);
                    }
                    else
                    {
                        await lane.Intake.SubmitAsync(lane.Publisher, new LeadSubmission(campaigns[n].Key, "warm-up", null, false, samples[n]), null);
                    }
                    Interlocked.Increment(ref leads);
                });
        }
        catch (OperationCanceledException) when (plateau.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            // The rate stopped rising: warm.
        }
        finally
        {
            _lane = null;
        }
        await plateau.CancelAsync();
        var writes = await rehearsals;
        log.LogInformation("Warmed up the hot path with {Leads} leads ({OverHttp} through the publisher endpoint), {Requests} buyer requests and {Writes} rehearsed writes in {Ms} ms; leads/methods compiled per half second: {Rates}",
            leads, overHttp, buyer.Requests, writes, watch.ElapsedMilliseconds, string.Join(" ", await rates));
    }

    // The node's own lead endpoint over loopback, once the server listens; null when it has no plain
    // HTTP address (an in-memory test server, HTTPS only): the lane is then driven in-process only.
    private async Task<Uri?> PublisherEndpointAsync(CancellationToken ct)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await started.Task.WaitAsync(ct);
        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            if (!Uri.TryCreate(address.Replace("://+", "://localhost").Replace("://*", "://localhost"), UriKind.Absolute, out var uri)
                || uri.Scheme != Uri.UriSchemeHttp) continue;
            var host = uri.Host is "[::]" or "0.0.0.0" ? "localhost" : uri.Host;
            return new UriBuilder(uri) { Host = host, Path = "/api/v1/leads" }.Uri;
        }
        return null;
    }

    private int _endpointFailed;

    // False, once and for all, when the endpoint did not sell the warm-up's lead (a proxy rule, a
    // host filter): the warm-up goes on in-process rather than not at all.
    private async Task<bool> PostAsync(HttpClient http, Uri url, string apiKey, byte[] body, CancellationToken ct)
    {
        if (Volatile.Read(ref _endpointFailed) == 1) return false;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Add("X-Api-Key", apiKey);
            using var response = await http.SendAsync(request, ct);
            await response.Content.ReadAsByteArrayAsync(ct);
            // A 422 (a campaign whose sample lead its own rules refuse) still ran the endpoint's path.
            if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.UnprocessableEntity) return true;
            if (Interlocked.Exchange(ref _endpointFailed, 1) == 0)
                log.LogWarning("Warm-up: the node's own lead endpoint {Url} answered {Status}; warming in-process only", url, (int)response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException && !ct.IsCancellationRequested)
        {
            if (Interlocked.Exchange(ref _endpointFailed, 1) == 0)
                log.LogWarning("Warm-up: the node's own lead endpoint {Url} did not answer ({Error}); warming in-process only", url, e.Message);
        }
        return false;
    }

    // Warm means the JIT has caught up with what the hot path runs: the rate stopped rising and the
    // runtime has (nearly) stopped compiling (JitActivity). A node whose warm-up stopped at a flat
    // rate still compiled for 30 s under traffic, at a third of its warm speed. Counted in
    // half-second slices; warm once three slices in a row bring less than 5 % over the best rate so
    // far and a quiet JIT, and never before 2 s (nor before `mayStop`) nor after the budget.

    private static async Task<List<string>> WatchForPlateauAsync(Func<int> done, Func<bool> mayStop, Stopwatch watch, TimeSpan budget, CancellationTokenSource stop)
    {
        var slices = new List<string>();
        var best = 0;
        var flat = 0;
        var last = 0;
        var jitActivity = new JitActivity();
        using var timer = new PeriodicTimer(JitActivity.Slice);
        try
        {
            while (watch.Elapsed < budget && await timer.WaitForNextTickAsync(stop.Token))
            {
                var now = done();
                var rate = now - last;
                last = now;
                var jit = jitActivity.CompiledSinceLast();
                slices.Add($"{rate}/{jit}");
                if (rate > best * 1.05) { best = rate; flat = 0; }
                else if (JitActivity.IsQuiet(jit)) flat++;
                else flat = 0;
                if (flat >= 3 && watch.Elapsed >= TimeSpan.FromSeconds(2) && mayStop())
                {
                    await stop.CancelAsync();
                    break;
                }
            }
        }
        catch (OperationCanceledException) { }
        return slices;
    }

    // One at a time, as the writer works; beside the auctions, as on a node taking traffic.
    private async Task<int> RehearseWritesAsync(Stopwatch watch, TimeSpan budget, CancellationToken ct)
    {
        var writes = 0;
        while (watch.Elapsed < budget && !ct.IsCancellationRequested)
        {
            await writer.RehearseAsync(time.GetUtcNow());
            writes++;
        }
        return writes;
    }

    // The smallest HTTP buyer there is: every request gets the reference answer that both bids and
    // accepts, written in one piece with TCP_NODELAY so the client's path is measured, not Nagle's.
    private sealed class LoopbackBuyer : IDisposable
    {
        private const string Body = "{\"bid\":10.00,\"accepted\":true}";

        private static readonly byte[] Answer = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {Body.Length}\r\n\r\n{Body}");

        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _requests;

        public LoopbackBuyer()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/warm-up";
        public int Requests => _requests;

        private async Task AcceptAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    socket.NoDelay = true;
                    _ = ServeAsync(socket);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
        }

        // Requests are small and sent whole: a request ends where its headers end plus its Content-Length.
        private async Task ServeAsync(Socket socket)
        {
            using var _ = socket;
            var buffer = new byte[64 * 1024];
            var held = 0;
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var read = await socket.ReceiveAsync(buffer.AsMemory(held), _stop.Token);
                    if (read == 0) return;
                    held += read;
                    while (RequestLength(buffer.AsSpan(0, held)) is { } length)
                    {
                        Interlocked.Increment(ref _requests);
                        await socket.SendAsync(Answer, _stop.Token);
                        buffer.AsSpan(length, held - length).CopyTo(buffer);
                        held -= length;
                    }
                    if (held == buffer.Length) return;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
        }

        private static int? RequestLength(ReadOnlySpan<byte> data)
        {
            var end = data.IndexOf("\r\n\r\n"u8);
            if (end < 0) return null;
            var headers = Encoding.ASCII.GetString(data[..end]);
            var contentLength = 0;
            foreach (var line in headers.Split("\r\n"))
            {
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                    contentLength = int.Parse(line.AsSpan(15).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
            var total = end + 4 + contentLength;
            return data.Length >= total ? total : null;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
