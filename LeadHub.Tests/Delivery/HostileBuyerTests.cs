using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using LeadHub.Core.Delivery;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace LeadHub.Tests.Delivery;

[CollectionDefinition(nameof(HostileBuyerTests), DisableParallelization = true)]
public sealed class HostileBuyerCollection;

// A buyer can answer anything. Through the production buyer client (the host's own), each hostile
// answer ends within the contract's timeout and its size limit, without following it anywhere;
// these run alone so their memory figures are theirs.
[Collection(nameof(HostileBuyerTests))]
public sealed class HostileBuyerTests(LeadHubFactory host, ITestOutputHelper output) : IClassFixture<LeadHubFactory>, IAsyncLifetime
{
    private WebApplication _server = null!;
    private string _base = "";
    private int _stolen;

    // 256 MiB of zeros, gzip-compressed to ~250 KiB: inflated whole, one answer would take the node's memory.
    private static readonly Lazy<byte[]> Bomb = new(() =>
    {
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Optimal))
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 256; i++) gzip.Write(zeros);
        }
        return packed.ToArray();
    });

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.MapPost("/gzip-bomb", async (HttpResponse r) =>
        {
            r.Headers.ContentEncoding = "gzip";
            r.ContentType = "application/json";
            await r.Body.WriteAsync(Bomb.Value);
        });
        _server.MapPost("/huge", async (HttpResponse r, HttpContext c) =>
        {
            r.ContentType = "application/json";
            r.ContentLength = 50L * 1024 * 1024;
            await Stream(r, c, 50L * 1024 * 1024);
        });
        _server.MapPost("/huge-chunked", async (HttpResponse r, HttpContext c) =>
        {
            r.ContentType = "application/json";
            await Stream(r, c, 50L * 1024 * 1024);
        });
        _server.MapPost("/drip", async (HttpResponse r, HttpContext c) =>
        {
            r.ContentType = "application/json";
            await r.Body.WriteAsync("{\"bid\":"u8.ToArray());
            await r.Body.FlushAsync();
            try
            {
                for (var i = 0; i < 600; i++)
                {
                    await Task.Delay(50, c.RequestAborted);
                    await r.Body.WriteAsync("1"u8.ToArray(), c.RequestAborted);
                    await r.Body.FlushAsync(c.RequestAborted);
                }
            }
            catch (OperationCanceledException) { }
        });
        _server.MapPost("/redirect", (HttpResponse r) =>
        {
            r.StatusCode = 307;
            r.Headers.Location = _base + "/steal";
            return Task.CompletedTask;
        });
        _server.MapPost("/steal", () =>
        {
            Interlocked.Increment(ref _stolen);
            return Results.Text("""{"accepted":true,"bid":50}""", "application/json");
        });
        _server.MapPost("/bad-utf8", async (HttpResponse r) =>
        {
            r.ContentType = "application/json";
            await r.Body.WriteAsync(new byte[] { (byte)'{', (byte)'"', (byte)'b', (byte)'i', (byte)'d', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}' });
        });
        // Compressed only for a client that says it reads the coding, as a buyer's server would.
        _server.MapPost("/compressed", async (HttpRequest q, HttpResponse r) =>
        {
            var asked = q.Headers.AcceptEncoding.ToString().Split(',', StringSplitOptions.TrimEntries);
            foreach (var (coding, compress) in new (string, Func<Stream, Stream>)[]
            {
                ("br", s => new BrotliStream(s, CompressionLevel.Fastest, leaveOpen: true)),
                ("gzip", s => new GZipStream(s, CompressionLevel.Fastest, leaveOpen: true)),
                ("deflate", s => new ZLibStream(s, CompressionLevel.Fastest, leaveOpen: true)),
            })
            {
                if (!asked.Contains(coding)) continue;
                r.Headers.ContentEncoding = coding;
                r.ContentType = "application/json";
                var packed = new MemoryStream();
                await using (var z = compress(packed)) await z.WriteAsync("""{"accepted":true,"bid":12.5}"""u8.ToArray());
                await r.Body.WriteAsync(packed.ToArray());
                return;
            }
            r.StatusCode = 406;
        });
        await _server.StartAsync();
        _base = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static async Task Stream(HttpResponse r, HttpContext c, long total)
    {
        var chunk = Encoding.ASCII.GetBytes(new string(' ', 64 * 1024));
        try
        {
            for (long sent = 0; sent < total; sent += chunk.Length) await r.Body.WriteAsync(chunk, c.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException) { }
    }

    private ContractSnapshot Contract(string path, int timeoutMs = 500) =>
        new(new ContractConfig
        {
            Key = "hostile", Campaign = "c", PingUrl = _base + path, PostUrl = _base + path, TimeoutMs = timeoutMs, PostTimeoutMs = timeoutMs,
        }, new BuyerSnapshot(new BuyerConfig { Key = "b" }, null));

    private async Task<(PingResult Result, TimeSpan Took)> PingAsync(string path) => await PingAsync(path, 500);

    private async Task<(PingResult Result, TimeSpan Took)> PingAsync(string path, int timeoutMs)
    {
        var transport = host.Services.GetRequiredService<IBuyerTransport>();
        var contract = Contract(path, timeoutMs);
        using var deadline = new CancellationTokenSource(contract.PingTimeout);
        var watch = Stopwatch.StartNew();
        var result = await transport.PingAsync(contract, new PingRequest("p", "c", new JsonObject { ["zip"] = "94107" }), deadline.Token);
        return (result, watch.Elapsed);
    }

    [Theory]
    [InlineData("/gzip-bomb", "longer than 65536 bytes")]
    [InlineData("/huge", "longer than 65536 bytes")]
    [InlineData("/huge-chunked", "longer than 65536 bytes")]
    [InlineData("/bad-utf8", "not valid UTF-8")]
    [InlineData("/redirect", "redirect to")]
    public async Task A_hostile_answer_is_an_error_within_the_timeout(string path, string reason)
    {
        // A timeout long enough that a cold machine still reads the answer: the error, not the clock, must end it.
        var (result, took) = await PingAsync(path, 3000);

        Assert.Equal(PingOutcome.Error, result.Outcome);
        Assert.Contains(reason, result.Reason);
        Assert.True(took < TimeSpan.FromSeconds(3.5), $"took {took.TotalMilliseconds:0} ms against a 3000 ms timeout");
    }

    [Fact]
    public async Task A_buyer_that_compresses_for_clients_that_ask_gets_asked_and_its_bid_is_read()
    {
        var (result, _) = await PingAsync("/compressed", 3000);

        Assert.Equal((PingOutcome.Bid, 12.5m), (result.Outcome, result.Bid));
    }

    [Fact]
    public async Task A_slow_drip_answer_times_out_at_the_contracts_timeout()
    {
        var (result, took) = await PingAsync("/drip");

        Assert.Equal(PingOutcome.Timeout, result.Outcome);
        Assert.True(took < TimeSpan.FromSeconds(2), $"took {took.TotalMilliseconds:0} ms against a 500 ms timeout");
    }

    [Fact]
    public async Task A_redirect_is_never_followed_so_the_lead_reaches_no_other_origin()
    {
        var transport = host.Services.GetRequiredService<IBuyerTransport>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        var result = await transport.PostAsync(Contract("/redirect"),
            new PostRequest("p", Guid.NewGuid(), 10m, new JsonObject { ["email"] = "ana@example.com" }), deadline.Token);

        Assert.Equal(PostOutcome.Error, result.Outcome);
        Assert.Contains(_base + "/steal", result.Reason);
        Assert.Equal(0, _stolen);
    }

    [Fact]
    public async Task Ten_hostile_answers_at_once_keep_memory_bounded()
    {
        _ = Bomb.Value;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var peak = 0L;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                await Task.Yield();
            }
        });
        string[] paths = ["/gzip-bomb", "/huge", "/huge-chunked", "/drip", "/bad-utf8", "/gzip-bomb", "/huge", "/huge-chunked", "/drip", "/redirect"];
        var watch = Stopwatch.StartNew();

        var results = await Task.WhenAll(paths.Select(p => PingAsync(p)));

        watch.Stop();
        await sampling.CancelAsync();
        await sampler;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        output.WriteLine($"10 hostile answers: {watch.ElapsedMilliseconds} ms, managed heap peak +{(peak - before) / 1024 / 1024.0:0.0} MiB, allocated {allocated / 1024 / 1024.0:0.0} MiB");
        Assert.All(results, r => Assert.True(r.Result.Outcome is PingOutcome.Error or PingOutcome.Timeout));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"{watch.ElapsedMilliseconds} ms");
        // Inflated or read whole, they would be 2 × 256 MiB + 4 × 50 MiB.
        Assert.True(allocated < 64L * 1024 * 1024, $"allocated {allocated / 1024 / 1024} MiB");
    }
}
