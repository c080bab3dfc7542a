using System.Text.Json;
using LeadHub.Core;
using LeadHub.Core.Leads;
using LeadHub.Core.Security;
using LeadHub.Core.Suppression;
using LeadHub.Core.Validation;
using LeadHub.Core.Workspace;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace LeadHub.Web.Api;

// What every publisher request goes through before the lead is looked at: key, rate limit,
// size limit, JSON shape. Each failure is a problem details answer with its CONTRACT §1 status.
public static class PublisherRequests
{
    public const string ApiKeyHeader = "X-Api-Key";
    public const string IdempotencyHeader = "Idempotency-Key";

    public static ProblemHttpResult Problem(int status, string title, string? detail = null,
        IDictionary<string, string[]>? errors = null, IDictionary<string, object?>? extensions = null)
    {
        var problem = errors is null
            ? new Microsoft.AspNetCore.Mvc.ProblemDetails()
            : new HttpValidationProblemDetails(errors);
        problem.Status = status;
        problem.Title = title;
        problem.Detail = detail;
        foreach (var (k, v) in extensions ?? new Dictionary<string, object?>()) problem.Extensions[k] = v;
        return TypedResults.Problem(problem);
    }

    // A problem answer to a publisher: it always carries its ReasonCodes code as the `reasonCode` member.
    public static ProblemHttpResult PublisherProblem(int status, string reasonCode, string title, string? detail = null,
        IDictionary<string, string[]>? errors = null, IDictionary<string, object?>? extensions = null) =>
        Problem(status, title, detail, errors, new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>()) { ["reasonCode"] = reasonCode });

    public static async Task<(PublisherSnapshot? Publisher, LeadSubmission? Lead, IResult? Error)> ReadAsync(
        HttpContext http, RoutingSnapshotHolder snapshots, PublisherRateLimiter limiter, IOptions<LeadHubOptions> options)
    {
        var publisher = Authenticate(http.Request, snapshots.Current);
        if (publisher is null)
            return (null, null, PublisherProblem(StatusCodes.Status401Unauthorized, ReasonCodes.Unauthorized, "Unauthorized",
                $"Send a valid, active publisher key in the {ApiKeyHeader} header."));

        if (limiter.TryAcquire(publisher) is { } retryAfter)
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
            return (publisher, null, PublisherProblem(StatusCodes.Status429TooManyRequests, ReasonCodes.RateLimited, "Too many requests",
                $"Publisher '{publisher.Key}' is limited to {publisher.Config.RateLimitPerSecond} leads per second."));
        }

        if (http.Request.Headers[IdempotencyHeader].FirstOrDefault() is { Length: > 256 })
            return (publisher, null, PublisherProblem(StatusCodes.Status400BadRequest, ReasonCodes.BadRequest, "Malformed lead", null,
                new Dictionary<string, string[]> { [IdempotencyHeader] = ["must be at most 256 characters"] }));

        var limit = options.Value.MaxLeadBytes;
        var body = await ReadBodyAsync(http.Request, limit);
        if (body is null)
            return (publisher, null, PublisherProblem(StatusCodes.Status413PayloadTooLarge, ReasonCodes.TooLarge, "Payload too large",
                $"The body must be at most {limit} bytes."));

        var (lead, errors) = Parse(body);
        if (lead is null)
            return (publisher, null, PublisherProblem(StatusCodes.Status400BadRequest, ReasonCodes.BadRequest, "Malformed lead",
                "The body must be a JSON object with 'campaign' and 'fields'.", errors));
        return (publisher, lead, null);
    }

    public static string? IdempotencyKey(HttpRequest request) =>
        request.Headers[IdempotencyHeader].FirstOrDefault() is { Length: > 0 } key ? key : null;

    private static PublisherSnapshot? Authenticate(HttpRequest request, RoutingSnapshot snapshot)
    {
        var key = request.Headers[ApiKeyHeader].FirstOrDefault();
        if (string.IsNullOrEmpty(key) || key.Length > 512) return null;
        if (!snapshot.PublishersByKeyHash.TryGetValue(ApiKeys.Hash(key), out var publisher)) return null;
        return publisher.Config.Active && ApiKeys.Matches(key, publisher.ApiKeyHash!) ? publisher : null;
    }

    // Null when the body is larger than the limit; the limit is enforced while reading, so a
    // client lying about Content-Length (or sending chunks) cannot make us buffer more.
    internal static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit) =>
        request.ContentLength > limit ? null : await BoundedRead.ReadAtMostAsync(request.Body, limit);

    private static (LeadSubmission?, Dictionary<string, string[]>) Parse(byte[] body)
    {
        var errors = new Dictionary<string, string[]>();
        JsonElement root;
        IReadOnlyList<string> invalid;
        try
        {
            using var doc = JsonUnicode.Parse(body, out invalid);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            errors["body"] = [$"is not valid JSON ({e.Message.Split('.')[0]})"];
            return (null, errors);
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = ["must be a JSON object"];
            return (null, errors);
        }
        // Bad text in a lead field quarantines the lead (422, the field named, the text stored
        // repaired); anywhere else the request itself is malformed (400).
        foreach (var path in invalid.Where(p => !p.StartsWith("fields.", StringComparison.Ordinal)))
            errors[path] = [JsonUnicode.Message];
        if (errors.Count > 0) return (null, errors);

        var campaign = OptionalString(root, "campaign", errors);
        if (campaign is null && !errors.ContainsKey("campaign")) errors["campaign"] = ["is required"];
        var subId = OptionalString(root, "subId", errors);
        var externalId = OptionalString(root, "externalId", errors);
        var test = false;
        if (root.TryGetProperty("test", out var t) && t.ValueKind != JsonValueKind.Null)
        {
            if (t.ValueKind is JsonValueKind.True or JsonValueKind.False) test = t.GetBoolean();
            else errors["test"] = ["must be true or false"];
        }
        if (!root.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Object)
            errors["fields"] = ["is required and must be a JSON object"];

        if (errors.Count > 0) return (null, errors);
        return (new LeadSubmission(campaign!, subId, externalId, test, fields, FieldErrors(fields, invalid)), errors);
    }

    // The lead fields (top-level names) that held text that was not valid Unicode.
    private static Dictionary<string, string[]>? FieldErrors(JsonElement fields, IReadOnlyList<string> invalid)
    {
        if (invalid.Count == 0) return null;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var field in fields.EnumerateObject())
        {
            var at = "fields." + field.Name;
            if (invalid.Any(p => p == at || p.StartsWith(at + ".", StringComparison.Ordinal) || p.StartsWith(at + "[", StringComparison.Ordinal)))
                errors[field.Name] = [JsonUnicode.Message];
        }
        return errors;
    }

    private static string? OptionalString(JsonElement root, string name, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind != JsonValueKind.String) errors[name] = ["must be a string"];
        else if (e.GetString()!.Length is 0 or > 256) errors[name] = ["must be 1 to 256 characters"];
        else return e.GetString();
        return null;
    }

    // The answer for a processed lead or a publisher ping; never the sale price or the buyer.
    public static IResult ToHttp(IntakeResult result) => result switch
    {
        IntakeResult.Processed p => TypedResults.Ok(new LeadAnswer(p.LeadId, p.Status, Money(p.Payout), p.Reasons, p.ReasonCode)),
        IntakeResult.Invalid i => PublisherProblem(StatusCodes.Status422UnprocessableEntity,
            ConsentRules.IsMissingConsent(i.Errors) ? ReasonCodes.ConsentMissing : ReasonCodes.InvalidField, "Invalid lead",
            i.LeadId is null ? "Field validation failed." : "Field validation failed; the lead is stored quarantined with status 'invalid'.",
            new Dictionary<string, string[]>(i.Errors),
            i.LeadId is { } id ? new Dictionary<string, object?> { ["leadId"] = id } : null),
        IntakeResult.UnknownCampaign u => PublisherProblem(StatusCodes.Status404NotFound, ReasonCodes.UnknownCampaign, "Unknown campaign", $"There is no campaign '{u.Campaign}'."),
        IntakeResult.NotAllowed n => PublisherProblem(StatusCodes.Status403Forbidden, ReasonCodes.NotAllowed, "Not allowed",
            $"This publisher may not post to campaign '{n.Campaign}'."),
        IntakeResult.SubIdBlocked b => PublisherProblem(StatusCodes.Status403Forbidden, ReasonCodes.SubIdBlocked, "Sub-id blocked",
            $"Leads from sub-id '{b.SubId}' of this publisher are not accepted."),
        IntakeResult.PingOffer o => TypedResults.Ok(new PingAnswer(o.PingId, Money(o.Offer), o.ExpiresAt, o.ReasonCode)),
        IntakeResult.UnknownPing => PublisherProblem(StatusCodes.Status404NotFound, ReasonCodes.UnknownPing, "Unknown ping", "There is no such ping for this publisher."),
        IntakeResult.PingAlreadyPosted a => PublisherProblem(StatusCodes.Status409Conflict, ReasonCodes.PingAlreadyPosted, "Ping already posted",
            "A lead was already posted for this ping.", extensions: new Dictionary<string, object?> { ["leadId"] = a.LeadId }),
        IntakeResult.CampaignMismatch m => PublisherProblem(StatusCodes.Status400BadRequest, ReasonCodes.BadRequest, "Campaign mismatch",
            $"This ping was for campaign '{m.Expected}'.", new Dictionary<string, string[]> { ["campaign"] = [$"must be '{m.Expected}'"] }),
        _ => throw new InvalidOperationException("unknown intake result"),
    };

    // The reason code of a refused lead (README "Suppression and consent"): a missing consent, or a field.
    // Always two decimals, so an answer computed now (7 or 7.000) and the same answer rebuilt from
    // the database for a repeated Idempotency-Key (7.0) are the same bytes: 7.00.
    private static decimal Money(decimal amount) => Math.Round(amount, 2, MidpointRounding.ToZero) + 0.00m;
}

// ReasonCode (docs/REASON-CODES.md): why the lead did not sell; absent when it sold.
public sealed record LeadAnswer(Guid LeadId, string Status, decimal Payout, IReadOnlyList<string> Reasons,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? ReasonCode = null);

// ReasonCode: why there is no offer (offer 0); absent when there is one.
public sealed record PingAnswer(Guid PingId, decimal Offer, DateTimeOffset ExpiresAt,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? ReasonCode = null);
