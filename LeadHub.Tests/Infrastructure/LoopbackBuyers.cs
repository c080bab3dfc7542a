using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LeadHub.Tests.Integration;

// Real buyers on a loopback Kestrel socket, speaking the reference JSON of CONTRACT §2.
// Each buyer is a path prefix on one server: /{buyer}/ping and /{buyer}/post.
public sealed class LoopbackBuyers : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, BuyerBehaviour> _buyers = new();
    public ConcurrentQueue<ReceivedCall> Calls { get; } = new();
    public string BaseUrl { get; }

    private LoopbackBuyers(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public static async Task<LoopbackBuyers> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        LoopbackBuyers? self = null;
        // GET and PUT too, for buyers with their own format; every call is recorded raw as well.
        app.MapMethods("/{buyer}/{phase}", ["POST", "PUT", "GET"], async (string buyer, string phase, HttpRequest request) =>
        {
            var raw = await new StreamReader(request.Body).ReadToEndAsync();
            var received = DateTimeOffset.UtcNow;
            var call = new ReceivedCall(buyer, phase, JsonObjectOrEmpty(raw), received)
            {
                Method = request.Method,
                RawBody = raw,
                ContentType = request.ContentType,
                Query = request.QueryString.Value ?? "",
                Headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            };
            self!.Calls.Enqueue(call);
            var behaviour = self._buyers.GetValueOrDefault(buyer) ?? new BuyerBehaviour();
            var answer = phase == "ping" ? behaviour.Ping : behaviour.Post;
            // A test holds the answer until it has looked at the auction in flight.
            if (phase == "ping" && behaviour.HoldPing is { } hold) await hold();
            if (behaviour.OnCall is { } onCall) await onCall(call);
            if (answer.Delay > TimeSpan.Zero)
            {
                // Ends early when the caller hangs up, so a test's shutdown never waits for it.
                try { await Task.Delay(answer.Delay, request.HttpContext.RequestAborted); }
                catch (OperationCanceledException) { return Results.Empty; }
            }
            return Results.Text(answer.Body, answer.ContentType, statusCode: answer.Status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new LoopbackBuyers(app, address);
        return self;
    }

    public void Set(string buyer, BuyerBehaviour behaviour) => _buyers[buyer] = behaviour;

    public string PingUrl(string buyer) => $"{BaseUrl}/{buyer}/ping";
    public string PostUrl(string buyer) => $"{BaseUrl}/{buyer}/post";

    public IReadOnlyList<ReceivedCall> CallsTo(string buyer, string phase) =>
        Calls.Where(c => c.Buyer == buyer && c.Phase == phase).ToList();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    // Reference-JSON tests read Body; a form or XML body leaves it empty and is in RawBody.
    private static JsonObject JsonObjectOrEmpty(string raw)
    {
        try { return JsonNode.Parse(raw) as JsonObject ?? []; }
        catch (JsonException) { return []; }
    }
}

public sealed record ReceivedCall(string Buyer, string Phase, JsonObject Body, DateTimeOffset At)
{
    public string Method { get; init; } = "POST";
    public string RawBody { get; init; } = "";
    public string? ContentType { get; init; }
    public string Query { get; init; } = "";
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}

public sealed record BuyerAnswer(string Body, int Status = 200, TimeSpan Delay = default, string ContentType = "application/json")
{
    public static BuyerAnswer Raw(string body, string contentType, int status = 200) => new(body, status, default, contentType);

    public static BuyerAnswer Bid(decimal bid, int delayMs = 0) => new(JsonSerializer.Serialize(new { bid }), 200, TimeSpan.FromMilliseconds(delayMs));
    public static BuyerAnswer Pass() => new("""{"decision":"pass"}""");
    public static BuyerAnswer Accept(int delayMs = 0) => new("""{"accepted":true,"buyerLeadId":"b-1"}""", 200, TimeSpan.FromMilliseconds(delayMs));
    public static BuyerAnswer Reject(string reason) => new(JsonSerializer.Serialize(new { accepted = false, reason }));
    public static BuyerAnswer ServerError() => new("oops", 500);
}

public sealed record BuyerBehaviour
{
    public BuyerAnswer Ping { get; init; } = BuyerAnswer.Pass();
    public BuyerAnswer Post { get; init; } = BuyerAnswer.Reject("no behaviour set");

    // Awaited before a ping is answered.
    public Func<Task>? HoldPing { get; init; }

    // Awaited before any call is answered, with the call: a test looks at LeadHub's state at that moment.
    public Func<ReceivedCall, Task>? OnCall { get; init; }
}
