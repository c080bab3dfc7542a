using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Postbacks;

// What a postback says about one lead event; every value a template may use. Never a buyer or a price.
public sealed record PostbackValues(Guid LeadId, string? ExternalId, string? SubId, string Event, string Status, decimal Payout,
    string? ReasonCode, string Campaign)
{
    public string PayoutText => Payout.ToString("0.00", CultureInfo.InvariantCulture);

    public IReadOnlyDictionary<string, string> Placeholders => new Dictionary<string, string>
    {
        ["leadId"] = LeadId.ToString(), ["externalId"] = ExternalId ?? "", ["subId"] = SubId ?? "", ["event"] = Event,
        ["status"] = Status, ["payout"] = PayoutText, ["reasonCode"] = ReasonCode ?? "", ["campaign"] = Campaign,
    };

    public string Json() => JsonSerializer.Serialize(new
    {
        leadId = LeadId, externalId = ExternalId, subId = SubId, @event = Event, status = Status, payout = PayoutText, reasonCode = ReasonCode,
        campaign = Campaign,
    });
}

// The request one postback sends: method, URL, JSON body for POST.
public sealed record PostbackRequest(string Method, string Url, string? Body);

// Templates: the one place they are filled and checked.
public static partial class PostbackTemplates
{
    public static readonly IReadOnlyList<string> Placeholders = ["leadId", "externalId", "subId", "event", "status", "payout", "reasonCode", "campaign"];

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex Placeholder();

    public static PostbackRequest Render(PostbackTemplate template, PostbackValues values)
    {
        var filled = values.Placeholders;
        var url = Placeholder().Replace(template.Url, m => Uri.EscapeDataString(filled[m.Groups[1].Value]));
        return new PostbackRequest(template.Method.ToUpperInvariant(), url,
            template.Method.Equals("POST", StringComparison.OrdinalIgnoreCase) ? values.Json() : null);
    }

    public static PostbackTemplate? For(PostbacksConfig? config, string @event) =>
        config?.Templates?.FirstOrDefault(t => t?.Events?.Contains(@event) == true);

    // Every problem with its path, in WorkspaceValidator's terms.
    public static void Check(PostbacksConfig config, string path, Action<string, string> error)
    {
        var seen = new HashSet<string>();
        var templates = config.Templates ?? [];
        for (var i = 0; i < templates.Count; i++)
        {
            var t = templates[i];
            var at = $"{path}.templates[{i}]";
            if (t is null)
            {
                error(at, "must not be null");
                continue;
            }
            if (t.Events is not { Count: > 0 }) error($"{at}.events", $"name at least one event: {string.Join(", ", PostbackEvents.All)}");
            foreach (var e in t.Events ?? [])
            {
                if (!PostbackEvents.All.Contains(e)) error($"{at}.events", $"unknown event '{e}' (use {string.Join(", ", PostbackEvents.All)})");
                else if (!seen.Add(e)) error($"{at}.events", $"event '{e}' already has a template; one template per event");
            }
            if (t.Method is not ("GET" or "POST")) error($"{at}.method", "must be GET or POST");
            CheckUrl(t.Url, $"{at}.url", error);
        }
        if (config.MaxAttempts is < 1 or > 50) error($"{path}.maxAttempts", "must be between 1 and 50");
        if (config.SigningSecret is { Length: > 0 and < 16 }) error($"{path}.signingSecret", "must be at least 16 characters (or empty to remove it)");
        if (config.SigningSecret is { Length: > 256 }) error($"{path}.signingSecret", "must be at most 256 characters");
    }

    private static void CheckUrl(string? url, string path, Action<string, string> error)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            error(path, "is required");
            return;
        }
        if (url.Length > 2000)
        {
            error(path, "must be at most 2000 characters");
            return;
        }
        foreach (Match m in Placeholder().Matches(url))
        {
            if (!Placeholders.Contains(m.Groups[1].Value))
                error(path, $"unknown placeholder {m.Value} (use {string.Join(" ", Placeholders.Select(p => "{" + p + "}"))})");
        }
        var stripped = Placeholder().Replace(url, "x");
        if (stripped.Contains('{') || stripped.Contains('}')) error(path, "has an unclosed { or }");
        else if (!Uri.TryCreate(stripped, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
            error(path, "must be an absolute http:// or https:// URL");
        else if (!string.IsNullOrEmpty(uri.UserInfo)) error(path, "must not carry credentials; the signature proves the sender");
    }
}

// The signature a publisher checks (README "Postbacks"): X-LeadHub-Signature: t=<unix seconds>,v1=<hex>,
// v1 = HMAC-SHA256(secret, "<t>.<payload>") in lower-case hex, payload = the body for POST and
// the request's path and query for GET.
public static class PostbackSignature
{
    public const string Header = "X-LeadHub-Signature";

    // Data Protection purpose of the stored signing secrets.
    public const string Purpose = "LeadHub.PostbackSigning";

    public static string Payload(PostbackRequest request) => request.Body ?? new Uri(request.Url).PathAndQuery;

    public static string Sign(string secret, long unixSeconds, string payload)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{unixSeconds}.{payload}"));
        return $"t={unixSeconds},v1={Convert.ToHexStringLower(mac)}";
    }

    // What a publisher's endpoint does (shown in the README): recompute and compare in constant time.
    public static bool Verify(string secret, string header, string payload, DateTimeOffset now, TimeSpan tolerance)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !long.TryParse(t, out var unix) || !parts.TryGetValue("v1", out var v1)) return false;
        if ((now - DateTimeOffset.FromUnixTimeSeconds(unix)).Duration() > tolerance) return false;
        var expected = Sign(secret, unix, payload);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes($"t={t},v1={v1}"));
    }
}
