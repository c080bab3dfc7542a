using System.Text.Json;
using LeadHub.Core;
using Microsoft.Extensions.Options;

namespace LeadHub.Web.Sandbox;

// Simulated buyers speaking the reference protocol (CONTRACT §2), each with its own bid,
// latency, pass and reject behaviour, so a demo or a test has a market to sell into.
public static class SandboxBuyersApi
{
    public static IEndpointRouteBuilder MapSandboxBuyers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/sandbox/buyers/{key}").WithTags("Sandbox buyers").ExcludeFromDescription();
        group.MapPost("/ping", Ping);
        group.MapPost("/post", Post);
        return app;
    }

    private static async Task<IResult> Ping(string key, HttpRequest request, SandboxMarket market, CancellationToken ct)
    {
        var profile = market.ProfileOf(key);
        using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
        await market.DelayAsync(profile.LatencyMeanMs, profile.LatencyStdDevMs, ct);
        var bid = market.Bid(profile, body.RootElement.TryGetProperty("lead", out var lead) ? lead : default);
        return bid is { } b ? TypedResults.Ok(new { bid = b }) : TypedResults.Ok(new { decision = "pass" });
    }

    private static async Task<IResult> Post(string key, HttpRequest request, SandboxMarket market, CancellationToken ct)
    {
        var profile = market.ProfileOf(key);
        using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
        await market.DelayAsync(profile.PostLatencyMeanMs, profile.PostLatencyMeanMs / 4, ct);
        var reject = market.RejectReason(profile);
        return reject is null
            ? TypedResults.Ok(new { accepted = true, buyerLeadId = $"{key}-{Guid.NewGuid().ToString("N")[..10]}" })
            : TypedResults.Ok(new { accepted = false, reason = reject });
    }
}

public sealed class SandboxMarket(IOptionsMonitor<LeadHubWebOptions> options, TimeProvider time)
{
    private readonly Dictionary<string, SandboxBuyerProfile> _builtIn = new(DemoWorkspace.SandboxProfiles);

    public SandboxBuyerProfile ProfileOf(string key) =>
        options.CurrentValue.Sandbox.Buyers.GetValueOrDefault(key) ?? _builtIn.GetValueOrDefault(key) ?? new SandboxBuyerProfile();

    public Task DelayAsync(double meanMs, double stdDevMs, CancellationToken ct)
    {
        var ms = Math.Max(0, Normal(meanMs, stdDevMs));
        return ms < 1 ? Task.CompletedTask : Task.Delay(TimeSpan.FromMilliseconds(ms), time, ct);
    }

    // Null is a pass. Bids follow a normal distribution around the mean, adjusted by state and age.
    public decimal? Bid(SandboxBuyerProfile profile, JsonElement lead)
    {
        if (Random.Shared.NextDouble() < profile.PassRate) return null;
        var factor = 1m;
        if (lead.ValueKind == JsonValueKind.Object)
        {
            if (lead.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.String
                && profile.StateFactors.TryGetValue(state.GetString()!, out var f)) factor *= f;
            if (lead.TryGetProperty("age", out var age) && age.TryGetInt32(out var years))
                factor *= years < 25 ? profile.YoungFactor : years >= 65 ? profile.SeniorFactor : 1m;
        }
        var bid = (decimal)Normal((double)(profile.BidMean * factor), (double)profile.BidStdDev);
        return Math.Round(Math.Max(0.5m, bid), 2);
    }

    private static readonly string[] UsualReasons = ["duplicate", "cap reached", "bad phone"];

    public string? RejectReason(SandboxBuyerProfile profile)
    {
        if (Random.Shared.NextDouble() >= profile.RejectRate) return null;
        IReadOnlyList<string> reasons = profile.RejectReasons is { Count: > 0 } r ? r : UsualReasons;
        return reasons[Random.Shared.Next(reasons.Count)];
    }

    private static double Normal(double mean, double stdDev)
    {
        // Box–Muller: two uniforms make one standard normal sample.
        var u1 = 1.0 - Random.Shared.NextDouble();
        var u2 = Random.Shared.NextDouble();
        return mean + stdDev * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
