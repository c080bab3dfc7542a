using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LeadHub.Core.Delivery;
using LeadHub.Core.Routing;
using LeadHub.Core.Telemetry;
using LeadHub.Core.Validation;
using LeadHub.Core.Workspace;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Leads;

// .NET compiles a method quickly and poorly on its first calls and well only after ~30 calls and a
// moment in the background (tiered JIT): a node that took traffic the moment its database answered
// ran at a third of its warm speed, and the auction deadline counts from arrival, so it undersold.
// Before /health/ready says yes, this runs the hot path for real, without selling anything:
// sample leads of every campaign are parsed and validated, and auctions over every contract's own
// format (pointed at a loopback buyer of its own, through the real buyer client) ping and post
// with throw-away caps and health; the lead writer rehearses its statements in transactions it
// rolls back. Nothing is stored and no buyer is called. It runs until the rate stops rising
// (WatchForPlateauAsync), at most WarmUpSeconds.
public sealed class HotPathWarmUp(
    RoutingSnapshotHolder snapshots,
    LeadWriter writer,
    IBuyerTransport transport,
    TimeProvider time,
    IOptions<LeadHubOptions> options,
    ILogger<HotPathWarmUp> log) : BackgroundService
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsWarm => _done.Task.IsCompleted;

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
        using var buyer = new LoopbackBuyer();
        var snapshot = snapshots.Current;
        var contracts = snapshot.Contracts.Values
            .Select(c => new ContractSnapshot(c.Config with
            {
                Sandbox = false, Filters = [], Schedule = null, Caps = null,
                PingUrl = buyer.Url, PostUrl = buyer.Url, TimeoutMs = 1000, PostTimeoutMs = 1000,
            }, c.Buyer))
            .ToList();
        var campaigns = snapshot.Campaigns.Values.Select(c => new CampaignSnapshot(c.Config with { Active = true },
            contracts.Where(k => k.Config.Campaign == c.Key).ToList())).ToList();
        if (campaigns.Count == 0) return;

        var auction = new Auction(transport, new InMemoryCapLedger(), new RecentRejects(), new BuyerHealth(time), time);
        // Rehearsal pings and posts are not traffic: the metrics never count them.
        LeadHubMetrics.Muted = true;
        var watch = Stopwatch.StartNew();
        using var plateau = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // On a thread of its own: SQLite's "async" calls complete synchronously, and a loop of them
        // started inline ran the whole budget before the first auction began.
        var rehearsals = Task.Run(() => RehearseWritesAsync(watch, budget, plateau.Token));
        var leads = 0;
        var rates = WatchForPlateauAsync(() => Volatile.Read(ref leads), watch, budget, plateau);
        // A few at a time, as traffic would come; long enough for the JIT's second tier to catch up.
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, int.MaxValue).TakeWhile(i => i < campaigns.Count || watch.Elapsed < budget),
                new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = plateau.Token }, async (i, token) =>
                {
                    var campaign = campaigns[i % campaigns.Count];
                    var json = JsonSerializer.SerializeToElement(ContractTrial.SampleLead(campaign.Config.Fields));
                    var validation = LeadValidator.Validate(campaign.Config.Fields, json);
                    var fields = validation.Fields;
                    await auction.RunAsync(new AuctionLead(Guid.CreateVersion7(), "warm-up", campaign, fields, campaign.PingFieldsOf(fields),
                        false, time.GetUtcNow()), null, token);
                    Interlocked.Increment(ref leads);
                });
        }
        catch (OperationCanceledException) when (plateau.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            // The rate stopped rising: warm.
        }
        await plateau.CancelAsync();
        var writes = await rehearsals;
        log.LogInformation("Warmed up the hot path with {Leads} auctions, {Requests} buyer requests and {Writes} rehearsed writes in {Ms} ms; auctions/methods compiled per half second: {Rates}",
            leads, buyer.Requests, writes, watch.ElapsedMilliseconds, string.Join(" ", await rates));
    }

    // Warm means the JIT has caught up with what the hot path runs: the rate stopped rising and the
    // runtime has (nearly) stopped compiling (JitActivity). A node whose warm-up stopped at a flat
    // rate still compiled for 30 s under traffic, at a third of its warm speed. Counted in
    // half-second slices; warm once three slices in a row bring less than 5 % over the best rate so
    // far and a quiet JIT, and never before 2 s nor after the budget.

    private static async Task<List<string>> WatchForPlateauAsync(Func<int> done, Stopwatch watch, TimeSpan budget, CancellationTokenSource stop)
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
                if (flat >= 3 && watch.Elapsed >= TimeSpan.FromSeconds(2))
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
