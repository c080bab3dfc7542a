using System.Text.Json;
using System.Text.Json.Nodes;
using LeadHub.Core.Validation;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Delivery;

public sealed record TrialResult(
    string Phase,
    string? Request,
    int? Status,
    string? Response,
    string Outcome,
    decimal? Bid,
    string? Reason,
    string? BuyerLeadId,
    int LatencyMs,
    IReadOnlyDictionary<string, string>? Captured = null);

public abstract record TrialRefusal(string Message)
{
    public sealed record UnknownContract(string Key) : TrialRefusal($"There is no contract '{Key}'.");
    public sealed record BadPhase(string Phase) : TrialRefusal($"Phase '{Phase}' is not possible for this contract.");
    public sealed record InvalidLead(IReadOnlyDictionary<string, string[]> Errors) : TrialRefusal("The sample lead is invalid.");
}

// "Send a test ping/post": one real request to the buyer exactly as routing would send it, with
// the raw exchange and how LeadHub read the answer. No lead is stored, no cap or health counter
// moves, nothing is sold.
public sealed class ContractTrial(RoutingSnapshotHolder snapshots, IBuyerTransport transport, TimeProvider time)
{
    // `captured`: values a test post carries as if a ping had answered them (the portal passes its last test ping's).
    public async Task<(TrialResult? Result, TrialRefusal? Refusal)> RunAsync(string contractKey, string phase, JsonElement? lead,
        decimal? price, CancellationToken ct, IReadOnlyDictionary<string, string>? captured = null)
    {
        var snapshot = snapshots.Current;
        if (!snapshot.Contracts.TryGetValue(contractKey, out var contract)
            || !snapshot.Campaigns.TryGetValue(contract.Config.Campaign, out var campaign))
            return (null, new TrialRefusal.UnknownContract(contractKey));
        if (phase is not ("ping" or "post") || (phase == "ping" && contract.IsDirectPost)) return (null, new TrialRefusal.BadPhase(phase));

        JsonObject fields;
        if (lead is { ValueKind: JsonValueKind.Object } given)
        {
            var validation = LeadValidator.Validate(campaign.Config.Fields, given);
            if (!validation.IsValid) return (null, new TrialRefusal.InvalidLead(validation.Errors));
            fields = validation.Fields;
        }
        else fields = SampleLead(campaign.Config.Fields);

        var exchange = WireExchange.Begin();
        var started = time.GetTimestamp();
        var timeout = phase == "ping" ? contract.PingTimeout : contract.PostTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var pingId = "try-" + Guid.NewGuid().ToString("N");
        TrialResult result;
        if (phase == "ping")
        {
            var ping = await transport.PingAsync(contract, new PingRequest(pingId, campaign.Key, campaign.PingFieldsOf(fields)), cts.Token);
            result = new TrialResult(phase, exchange.Request, exchange.Status, exchange.Response, ping.Outcome.ToString().ToLowerInvariant(),
                ping.Outcome == PingOutcome.Bid ? ping.Bid : null, ping.Reason, null, Elapsed(started), ping.Captured);
        }
        else
        {
            var amount = price ?? contract.Config.Price ?? 1m;
            var post = await transport.PostAsync(contract, new PostRequest(pingId, Guid.NewGuid(), amount, fields, captured), cts.Token);
            result = new TrialResult(phase, exchange.Request, exchange.Status, exchange.Response, post.Outcome.ToString().ToLowerInvariant(),
                null, post.Reason, post.BuyerLeadId, Elapsed(started), post.Captured);
        }
        return (result, null);
    }

    private int Elapsed(long started) => (int)time.GetElapsedTime(started).TotalMilliseconds;

    // A plausible lead for the campaign's fields, for trying a contract without typing one.
    public static JsonObject SampleLead(IReadOnlyList<FieldDefinition> fields)
    {
        var lead = new JsonObject();
        foreach (var f in fields)
        {
            lead[f.Name] = f.Type switch
            {
                FieldTypes.Email => "test.lead@example.com",
                FieldTypes.Phone => "+14155550100",
                FieldTypes.Zip => "94107",
                FieldTypes.State => "CA",
                FieldTypes.Integer => (long)Math.Max(f.Min ?? 30, Math.Min(f.Max ?? 30, 30)),
                FieldTypes.Decimal => Math.Max(f.Min ?? 100, Math.Min(f.Max ?? 100, 100)),
                FieldTypes.Boolean => f.Values is [{ ValueKind: JsonValueKind.False }] ? false : true,
                FieldTypes.Date => "1990-01-01",
                FieldTypes.Enum => f.Values is [var first, ..] ? first.GetString() : "",
                _ => f.Name.Contains("first") ? "Test" : f.Name.Contains("last") ? "Lead" : "test",
            };
        }
        return lead;
    }
}
