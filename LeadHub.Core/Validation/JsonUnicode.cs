using System.Text;
using System.Text.Json;

namespace LeadHub.Core.Validation;

// System.Text.Json parses a lone surrogate escape ("A\ud800") or invalid UTF-8 inside a string
// without complaint, then throws InvalidOperationException the first time the string is read:
// deep in validation, storage or a response, i.e. a 500 for the client's mistake, and a stored
// lead that cannot be shown. So every request body is parsed here once, and stored JSON text is
// repaired before it is read: bad code units become U+FFFD and the paths they were in are
// reported, so the endpoint can name the field.
public static class JsonUnicode
{
    public const string Message = "contains invalid Unicode (a lone UTF-16 surrogate or invalid UTF-8)";

    // The body as a document whose every string can be read; `invalid` lists the paths
    // ("fields.first_name", "campaigns[0].name") whose text had to be repaired.
    // Throws JsonException when the body is not JSON at all.
    public static JsonDocument Parse(ReadOnlyMemory<byte> utf8, out IReadOnlyList<string> invalid, JsonDocumentOptions options = default)
    {
        var doc = JsonDocument.Parse(utf8, options);
        if (Readable(doc.RootElement))
        {
            invalid = [];
            return doc;
        }
        using (doc)
        {
            var repaired = JsonDocument.Parse(Encoding.UTF8.GetBytes(Repair(Encoding.UTF8.GetString(utf8.Span))), options);
            var paths = new List<string>();
            Compare(doc.RootElement, repaired.RootElement, "", paths);
            invalid = paths;
            return repaired;
        }
    }

    // JSON text with every invalid code unit replaced by U+FFFD: lone surrogates, escaped
    // ("\ud800") or not. Text decoded from invalid UTF-8 already holds U+FFFD in their place.
    // Valid text comes back as the same instance.
    public static string Repair(string json)
    {
        StringBuilder? fixedText = null;
        var copied = 0;
        for (var i = 0; i < json.Length; i++)
        {
            int length;
            if (json[i] == '\\' && i + 1 < json.Length)
            {
                // "\\" is one escaped backslash: skip both, so "\\ud800" (text, not an escape) is left alone.
                if (json[i + 1] != 'u') { i++; continue; }
                if (EscapedUnit(json, i) is not { } unit) { i++; continue; }
                if (char.IsHighSurrogate(unit) && EscapedUnit(json, i + 6) is { } low && char.IsLowSurrogate(low)) { i += 11; continue; }
                if (!char.IsSurrogate(unit)) { i += 5; continue; }
                length = 6;
            }
            else if (char.IsHighSurrogate(json[i]) && i + 1 < json.Length && char.IsLowSurrogate(json[i + 1])) { i++; continue; }
            else if (char.IsSurrogate(json[i])) length = 1;
            else continue;

            fixedText ??= new StringBuilder(json.Length);
            fixedText.Append(json, copied, i - copied).Append(length == 6 ? "\\uFFFD" : "\uFFFD");
            copied = i + length;
            i += length - 1;
        }
        return fixedText is null ? json : fixedText.Append(json, copied, json.Length - copied).ToString();
    }

    private static char? EscapedUnit(string json, int at) =>
        at + 5 < json.Length && json[at] == '\\' && json[at + 1] == 'u'
        && ushort.TryParse(json.AsSpan(at + 2, 4), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var unit)
            ? (char)unit : null;

    private static bool Readable(JsonElement e)
    {
        try
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.String:
                    _ = e.GetString();
                    return true;
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject())
                        if (p.Name is null || !Readable(p.Value)) return false;
                    return true;
                case JsonValueKind.Array:
                    foreach (var item in e.EnumerateArray())
                        if (!Readable(item)) return false;
                    return true;
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    // Walks the original and its repair side by side (same shape): a path is reported where the
    // original cannot be read, named with the repaired property names.
    private static void Compare(JsonElement original, JsonElement repaired, string path, List<string> invalid)
    {
        switch (original.ValueKind)
        {
            case JsonValueKind.String:
                if (!Readable(original)) invalid.Add(path);
                break;
            case JsonValueKind.Object:
                foreach (var (o, r) in original.EnumerateObject().Zip(repaired.EnumerateObject()))
                {
                    var at = path.Length == 0 ? r.Name : $"{path}.{r.Name}";
                    bool nameOk;
                    try { nameOk = o.Name is not null; }
                    catch (InvalidOperationException) { nameOk = false; }
                    if (!nameOk) invalid.Add(at);
                    else Compare(o.Value, r.Value, at, invalid);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var (o, r) in original.EnumerateArray().Zip(repaired.EnumerateArray()))
                    Compare(o, r, $"{path}[{i++}]", invalid);
                break;
        }
    }
}
