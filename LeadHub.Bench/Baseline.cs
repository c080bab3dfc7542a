using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace LeadHub.Bench;

// The yardstick: the least a fan-out service can do for a lead. POST /lead pings every buyer in
// parallel (same body shape, same per-ping timeout, same SocketsHttpHandler settings as LeadHub's
// buyer client in LeadHubCoreServices), takes the highest bid, posts the lead to that buyer and
// answers. No validation, rules, dedupe, trace or storage (with --store, the storing baseline: each
// lead kept as LeadHub promises to keep it, BaselineStore). It runs as a child process of its own
// (this assembly started with `serve-baseline`), exactly like LeadHub, so both are measured the
// same way: their own process, CPU time and working set, buyers and driver elsewhere.
public static class BaselineService
{
    public const string Command = "serve-baseline";

    public static async Task<int> RunAsync(string[] args)
    {
        var urls = Arg(args, "--urls") ?? "http://127.0.0.1:5099";
        var buyers = (Arg(args, "--buyers") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(b => b.Split('|')).Select(p => (Ping: new Uri(p[0]), Post: new Uri(p[1]))).ToArray();
        var pingTimeout = TimeSpan.FromMilliseconds(int.Parse(Arg(args, "--timeout-ms") ?? "500"));
        var postTimeout = TimeSpan.FromMilliseconds(int.Parse(Arg(args, "--post-timeout-ms") ?? "3000"));
        var pingFields = (Arg(args, "--ping-fields") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        await using var store = Arg(args, "--store") is { } storePath ? BaselineStore.Open(storePath) : null;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        var app = builder.Build();

        // LeadHub's buyer client, handler for handler (LeadHubCoreServices.AddLeadHubCore).
        using var http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = 1024,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            AutomaticDecompression = DecompressionMethods.All,
            UseCookies = false,
        })
        { Timeout = Timeout.InfiniteTimeSpan };
        var fanOut = new FanOut(http, buyers, pingTimeout, postTimeout, pingFields, store);

        app.MapGet("/health", () => Results.Ok());
        app.MapPost("/lead", fanOut.HandleAsync);
        await app.RunAsync();
        return 0;
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private sealed class FanOut(HttpClient http, (Uri Ping, Uri Post)[] buyers, TimeSpan pingTimeout, TimeSpan postTimeout, string[] pingFields,
        BaselineStore? store)
    {
        private static readonly MediaTypeHeaderValue Json = new("application/json");

        public async Task HandleAsync(HttpContext context)
        {
            using var doc = await JsonDocument.ParseAsync(context.Request.Body);
            var root = doc.RootElement;
            var campaign = root.GetProperty("campaign").GetString() ?? "";
            var fields = root.GetProperty("fields");
            var pingId = Guid.CreateVersion7().ToString();
            // --store: kept before it is posted (the pings do not wait), final before the answer.
            var stored = store?.ArriveAsync(pingId, campaign, fields.GetRawText());

            var pingBody = Serialize(w =>
            {
                w.WriteString("pingId", pingId);
                w.WriteString("campaign", campaign);
                w.WriteStartObject("lead");
                foreach (var name in pingFields)
                {
                    if (!fields.TryGetProperty(name, out var value)) continue;
                    w.WritePropertyName(name);
                    value.WriteTo(w);
                }
                w.WriteEndObject();
            });
            var pings = new Task<decimal>[buyers.Length];
            for (var i = 0; i < buyers.Length; i++) pings[i] = PingAsync(buyers[i].Ping, pingBody);
            var bids = await Task.WhenAll(pings);

            var best = -1;
            for (var i = 0; i < bids.Length; i++)
            {
                if (bids[i] > 0 && (best < 0 || bids[i] > bids[best])) best = i;
            }
            var sold = false;
            var price = 0m;
            if (stored is not null) await stored;
            if (best >= 0)
            {
                price = bids[best];
                var postBody = Serialize(w =>
                {
                    w.WriteString("pingId", pingId);
                    w.WriteString("leadId", pingId);
                    w.WriteNumber("price", price);
                    w.WritePropertyName("lead");
                    fields.WriteTo(w);
                });
                sold = await PostAsync(buyers[best].Post, postBody);
            }
            if (store is not null) await store.FinishAsync(pingId, sold ? "sold" : "unsold", sold ? price : 0);

            var answer = Serialize(w =>
            {
                w.WriteString("leadId", pingId);
                w.WriteString("status", sold ? "sold" : "unsold");
                w.WriteNumber("payout", sold ? Math.Floor(price * 70) / 100 : 0);
                w.WriteStartArray("reasons");
                w.WriteEndArray();
            });
            // With the length known the answer is one write, not a chunk plus a terminating chunk.
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = answer.Length;
            await context.Response.Body.WriteAsync(answer);
        }

        private async Task<decimal> PingAsync(Uri uri, byte[] body)
        {
            using var timeout = new CancellationTokenSource(pingTimeout);
            try
            {
                using var response = await SendAsync(uri, body, timeout.Token);
                if (!response.IsSuccessStatusCode) return 0;
                await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
                using var answer = await JsonDocument.ParseAsync(stream, cancellationToken: timeout.Token);
                return answer.RootElement.TryGetProperty("bid", out var bid) && bid.TryGetDecimal(out var value) ? value : 0;
            }
            catch (Exception e) when (e is OperationCanceledException or HttpRequestException or JsonException)
            {
                return 0;
            }
        }

        private async Task<bool> PostAsync(Uri uri, byte[] body)
        {
            using var timeout = new CancellationTokenSource(postTimeout);
            try
            {
                using var response = await SendAsync(uri, body, timeout.Token);
                if (!response.IsSuccessStatusCode) return false;
                await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
                using var answer = await JsonDocument.ParseAsync(stream, cancellationToken: timeout.Token);
                return answer.RootElement.TryGetProperty("accepted", out var accepted) && accepted.ValueKind == JsonValueKind.True;
            }
            catch (Exception e) when (e is OperationCanceledException or HttpRequestException or JsonException)
            {
                return false;
            }
        }

        private async Task<HttpResponseMessage> SendAsync(Uri uri, byte[] body, CancellationToken ct)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, uri);
            request.Content = new ByteArrayContent(body) { Headers = { ContentType = Json } };
            return await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        }

        private static byte[] Serialize(Action<Utf8JsonWriter> writeBody)
        {
            var buffer = new ArrayBufferWriter<byte>(512);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                writeBody(w);
                w.WriteEndObject();
            }
            return buffer.WrittenSpan.ToArray();
        }
    }
}

// The baseline service as a load target: this bench's own assembly started as a child process;
// with `store`, the storing baseline ("BaseStore"): the same service keeping each lead in SQLite.
public sealed class BaselineTarget : IBenchTarget
{
    public string Name { get; }
    public Uri LeadsUrl { get; }
    public string ApiKey => "baseline";
    public ChildProcess? Process { get; }
    private readonly string? _storeDir;

    private BaselineTarget(string name, ChildProcess process, string? storeDir)
    {
        Name = name;
        Process = process;
        LeadsUrl = new Uri(process.BaseAddress, "/lead");
        _storeDir = storeDir;
    }

    public static async Task<BaselineTarget> StartAsync(BenchOptions options, BuyerFleet fleet, TextWriter log, bool store = false)
    {
        var dll = typeof(BaselineTarget).Assembly.Location;
        var buyers = string.Join(',', Enumerable.Range(0, fleet.Count).Select(i => $"{fleet.PingUrl(i)}|{fleet.PostUrl(i)}"));
        var env = new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["DOTNET_ENVIRONMENT"] = "Production" };
        string[] args = [BaselineService.Command, "--buyers", buyers, "--timeout-ms", options.ContractTimeoutMs.ToString(),
            "--post-timeout-ms", "3000", "--ping-fields", string.Join(',', BenchWorkspace.PingFields)];
        var storeDir = store ? Directory.CreateTempSubdirectory("leadhub-bench-basestore-").FullName : null;
        if (storeDir is not null) args = [.. args, "--store", Path.Combine(storeDir, "baseline.db")];
        var process = await ChildProcess.StartAsync(dll, args, env, AppContext.BaseDirectory, "/health", TimeSpan.FromSeconds(60));
        var name = store ? "BaseStore" : "Baseline";
        log.WriteLine($"{name}: {dll} {BaselineService.Command} as pid {process.Id} on {process.BaseAddress}{(storeDir is null ? "" : $" (SQLite in {storeDir})")}");
        return new BaselineTarget(name, process, storeDir);
    }

    public void Dispose()
    {
        Process?.Dispose();
        if (_storeDir is not null)
        {
            try { Directory.Delete(_storeDir, recursive: true); } catch (IOException) { }
        }
    }
}
