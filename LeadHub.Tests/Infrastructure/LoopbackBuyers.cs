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
        app.MapPost("/{buyer}/{phase}", async (string buyer, string phase, HttpRequest request) =>
        {
            var body = await JsonNode.ParseAsync(request.Body);
            var received = DateTimeOffset.UtcNow;
            self!.Calls.Enqueue(new ReceivedCall(buyer, phase, body!.AsObject(), received));
            var behaviour = self._buyers.GetValueOrDefault(buyer) ?? new BuyerBehaviour();
            var answer = phase == "ping" ? behaviour.Ping : behaviour.Post;
            if (answer.Delay > TimeSpan.Zero)
            {
                // Ends early when the caller hangs up, so a test's shutdown never waits for it.
                try { await Task.Delay(answer.Delay, request.HttpContext.RequestAborted); }
                catch (OperationCanceledException) { return Results.Empty; }
            }
            return Results.Text(answer.Body, "application/json", statusCode: answer.Status);
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
}

public sealed record ReceivedCall(string Buyer, string Phase, JsonObject Body, DateTimeOffset At);

public sealed record BuyerAnswer(string Body, int Status = 200, TimeSpan Delay = default)
{
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
}
