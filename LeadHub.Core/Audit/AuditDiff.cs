using System.Text.Json;
using LeadHub.Core.Security;

namespace LeadHub.Core.Audit;

// One field of an audited object that changed: its path ("tiers[1].floor") and the values as text;
// null when the field was not there.
public sealed record FieldChange(string Path, string? Before, string? After);

// What an audit row changed, field by field, instead of two JSON documents to compare by eye.
// Secrets never show: a field named like a key, password, token or secret shows only that it
// changed, and credentials in URLs are masked.
public static class AuditDiff
{
    public const string Hidden = "•••";

    private static readonly string[] SecretNames = ["apikey", "password", "token", "secret", "hash", "credential"];

    public static IReadOnlyList<FieldChange> Of(string? before, string? after)
    {
        var old = Flatten(before);
        var now = Flatten(after);
        return old.Keys.Union(now.Keys).Order(StringComparer.Ordinal)
            .Select(path => (path, o: old.GetValueOrDefault(path), n: now.GetValueOrDefault(path)))
            .Where(c => c.o != c.n)
            .Select(c => IsSecret(c.path)
                ? new FieldChange(c.path, c.o is null ? null : Hidden, c.n is null ? null : Hidden)
                : new FieldChange(c.path, UrlCredentials.Redact(c.o), UrlCredentials.Redact(c.n)))
            .ToList();
    }

    private static bool IsSecret(string path)
    {
        var lower = path.ToLowerInvariant();
        return SecretNames.Any(lower.Contains);
    }

    // Leaf values by path; a document that is not JSON counts as one value at the root ("").
    private static Dictionary<string, string> Flatten(string? json)
    {
        var leaves = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json)) return leaves;
        try
        {
            using var doc = JsonDocument.Parse(json);
            Walk(doc.RootElement, "", leaves);
        }
        catch (JsonException)
        {
            leaves[""] = json;
        }
        return leaves;
    }

    private static void Walk(JsonElement element, string path, Dictionary<string, string> leaves)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                    Walk(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", leaves);
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray()) Walk(item, $"{path}[{i++}]", leaves);
                break;
            case JsonValueKind.Null:
                break;
            case JsonValueKind.String:
                leaves[path] = element.GetString()!;
                break;
            default:
                leaves[path] = element.GetRawText();
                break;
        }
    }
}
