using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Delivery;

// The reference JSON protocol of CONTRACT §2, or a contract's own format, over one pooled
// HttpClient. No retries: a ping that fails is a pass, and a retried post could sell the same
// lead twice.
public sealed class HttpBuyerTransport(HttpClient http) : IBuyerTransport
{
    public const string ClientName = "buyers";
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public async Task<PingResult> PingAsync(ContractSnapshot contract, PingRequest request, CancellationToken ct)
    {
        if (contract.PingUri is null) return PingResult.Failed("no ping URL");
        var phase = contract.Format?.Ping;
        try
        {
            using var message = phase is null
                ? Reference(contract.PingUri, PingBody(request))
                : phase.Request.Build(contract.PingUri, FormatValues.Of(request));
            if (message is null) return PingResult.Failed("request template failed");
            contract.Format?.Authorize(message);
            if (WireExchange.Current is { } tapRequest) await tapRequest.RecordAsync(message);
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, ct);
            if (WireExchange.Current is { } tapResponse) await tapResponse.RecordAsync(response, ct);
            if (phase?.Response is { } reader) return reader.ReadPing((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
            if (!response.IsSuccessStatusCode) return PingResult.Failed($"HTTP {(int)response.StatusCode}");
            using var doc = await ReadJsonAsync(response, ct);
            return doc is null ? PingResult.Failed("unparsable answer") : ParsePing(doc.RootElement);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return PingResult.TimedOut();
        }
        catch (HttpRequestException e)
        {
            return PingResult.Failed("connection failed: " + e.HttpRequestError);
        }
    }

    public async Task<PostResult> PostAsync(ContractSnapshot contract, PostRequest request, CancellationToken ct)
    {
        if (contract.PostUri is null) return PostResult.Failed("no post URL");
        var phase = contract.Format?.Post;
        try
        {
            using var message = phase is null
                ? Reference(contract.PostUri, PostBody(request))
                : phase.Request.Build(contract.PostUri, FormatValues.Of(request, contract.Config.Campaign));
            if (message is null) return PostResult.Failed("request template failed");
            contract.Format?.Authorize(message);
            if (WireExchange.Current is { } tapRequest) await tapRequest.RecordAsync(message);
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, ct);
            if (WireExchange.Current is { } tapResponse) await tapResponse.RecordAsync(response, ct);
            if (phase?.Response is { } reader) return reader.ReadPost((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
            if (!response.IsSuccessStatusCode) return PostResult.Failed($"HTTP {(int)response.StatusCode}");
            using var doc = await ReadJsonAsync(response, ct);
            return doc is null ? PostResult.Failed("unparsable answer") : ParsePost(doc.RootElement);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return PostResult.TimedOut();
        }
        catch (HttpRequestException e)
        {
            return PostResult.Failed("connection failed: " + e.HttpRequestError);
        }
    }

    private static byte[] PingBody(PingRequest request) => Serialize(w =>
    {
        w.WriteString("pingId", request.PingId);
        w.WriteString("campaign", request.Campaign);
        w.WritePropertyName("lead");
        request.Fields.WriteTo(w);
    });

    private static byte[] PostBody(PostRequest request) => Serialize(w =>
    {
        w.WriteString("pingId", request.PingId);
        w.WriteString("leadId", request.LeadId);
        w.WriteNumber("price", request.Price);
        w.WritePropertyName("lead");
        request.Fields.WriteTo(w);
    });

    internal static PingResult ParsePing(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) return PingResult.Failed("unparsable answer");
        if (root.TryGetProperty("decision", out var decision) && decision.ValueKind == JsonValueKind.String
            && string.Equals(decision.GetString(), "pass", StringComparison.OrdinalIgnoreCase))
            return PingResult.Passed();
        if (!root.TryGetProperty("bid", out var bidElement) || !TryMoney(bidElement, out var bid))
            return PingResult.Failed("unparsable answer");
        if (bid < 0) return PingResult.Failed("negative bid");
        return bid == 0 ? PingResult.Passed() : new PingResult(PingOutcome.Bid, Math.Round(bid, 2));
    }

    internal static PostResult ParsePost(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("accepted", out var accepted)
            || accepted.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            return PostResult.Failed("unparsable answer");
        var buyerLeadId = root.TryGetProperty("buyerLeadId", out var id) ? id.ToString() : null;
        var reason = root.TryGetProperty("reason", out var r) ? r.ToString() : null;
        return accepted.GetBoolean()
            ? new PostResult(PostOutcome.Accepted, buyerLeadId, null)
            : new PostResult(PostOutcome.Rejected, buyerLeadId, string.IsNullOrWhiteSpace(reason) ? "rejected" : reason);
    }

    private static bool TryMoney(JsonElement e, out decimal value)
    {
        value = 0;
        return e.ValueKind switch
        {
            JsonValueKind.Number => e.TryGetDecimal(out value),
            JsonValueKind.String => decimal.TryParse(e.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }

    private static HttpRequestMessage Reference(Uri uri, byte[] body) =>
        new(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) { Headers = { ContentType = Json } } };

    private static async Task<JsonDocument?> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            return await JsonDocument.ParseAsync(stream, cancellationToken: ct);
        }
        catch (JsonException)
        {
            return null;
        }
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
