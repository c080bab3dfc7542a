using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LeadHub.Core.Delivery;

// The part of JSONPath that locating one value in a buyer's answer needs: `$` (the answer) or
// `@` (the bid being read, in an answer with several bids), then any of
// `.name`, `['name']` / `["name"]` (for names with spaces or dots) and `[0]`. Names match
// exactly (JSON is case-sensitive). Wildcards, filters and `..` are refused, not half-supported.
public sealed class SimpleJsonPath
{
    private readonly IReadOnlyList<(string? Name, int Index)> _steps;

    private SimpleJsonPath(IReadOnlyList<(string? Name, int Index)> steps, bool relative)
    {
        _steps = steps;
        IsRelative = relative;
    }

    // Starts with `@`: read from the current bid, not from the whole answer.
    public bool IsRelative { get; }

    public static bool TryParse(string text, out SimpleJsonPath? path, out string? problem)
    {
        path = null;
        problem = Parse(text, out var steps);
        if (problem is null) path = new SimpleJsonPath(steps, text.StartsWith('@'));
        return problem is null;
    }

    // The value as text: strings as they are, numbers and booleans as written, objects and arrays
    // as JSON. Null, missing or blank is null.
    public string? Find(JsonElement root) => Locate(root) is { } e ? TextOf(e) : null;

    // The elements of the array (or the one object) at this path: the bids of a multi-bid answer.
    public IReadOnlyList<JsonElement> FindAll(JsonElement root) => Locate(root) switch
    {
        { ValueKind: JsonValueKind.Array } array => array.EnumerateArray().ToList(),
        { ValueKind: JsonValueKind.Object } one => [one],
        _ => [],
    };

    private JsonElement? Locate(JsonElement root)
    {
        var e = root;
        foreach (var (name, index) in _steps)
        {
            if (name is not null)
            {
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out e)) return null;
            }
            else if (e.ValueKind != JsonValueKind.Array || index >= e.GetArrayLength()) return null;
            else e = e[index];
        }
        return e;
    }

    private static string? TextOf(JsonElement e)
    {
        var text = e.ValueKind switch
        {
            JsonValueKind.String => StringOf(e),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number or JsonValueKind.Object or JsonValueKind.Array => e.GetRawText(),
            _ => null,
        };
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }

    // A lone surrogate escaped in a buyer's string (\ud800) cannot become text: no value, not a crash.
    private static string? StringOf(JsonElement e)
    {
        try { return e.GetString(); }
        catch (InvalidOperationException) { return null; }
    }

    private static string? Parse(string text, out List<(string? Name, int Index)> steps)
    {
        steps = [];
        if (!text.StartsWith('$') && !text.StartsWith('@')) return "must start with '$' (the answer) or '@' (the current bid)";
        var i = 1;
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                var start = ++i;
                while (i < text.Length && text[i] is not ('.' or '[' or ']')) i++;
                if (i == start) return $"expected a name at position {start} ('..' and wildcards are not supported)";
                var name = text[start..i];
                if (name == "*") return "wildcards are not supported";
                steps.Add((name, 0));
            }
            else if (text[i] == '[')
            {
                i++;
                if (i < text.Length && text[i] is ('\'' or '"'))
                {
                    var quote = text[i++];
                    var name = new StringBuilder();
                    while (i < text.Length && text[i] != quote)
                    {
                        if (text[i] == '\\' && i + 1 < text.Length) i++;
                        name.Append(text[i++]);
                    }
                    if (i == text.Length) return "unclosed quote";
                    i++;
                    steps.Add((name.ToString(), 0));
                }
                else
                {
                    var start = i;
                    while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                    if (i == start || i - start > 9)
                        return $"expected an index or a quoted name at position {start} (wildcards and filters are not supported)";
                    steps.Add((null, int.Parse(text.AsSpan(start, i - start), CultureInfo.InvariantCulture)));
                }
                if (i == text.Length || text[i] != ']') return $"expected ']' at position {i}";
                i++;
            }
            else return $"unexpected '{text[i]}' at position {i}";
        }
        return null;
    }
}
