using System.Text.RegularExpressions;
using LeadHub.Core.Workspace;

namespace LeadHub.Web.Components.Shared;

// The portal validates with the same WorkspaceValidator as the API: its errors carry JSON
// paths, and a form shows each next to the field its path ends in.
public sealed partial class FormErrors
{
    private readonly Dictionary<string, string[]> _byPath;

    public FormErrors(IEnumerable<WorkspaceError> errors, string prefix) =>
        _byPath = errors.GroupBy(e => e.Path.StartsWith(prefix) ? e.Path[prefix.Length..].TrimStart('.') : e.Path)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).Distinct().ToArray());

    public static readonly FormErrors None = new([], "");

    public bool Any => _byPath.Count > 0;

    public int Count => _byPath.Count;

    // e.g. For("floor"), For("tiers[1].floor"), For("") for errors about the object itself.
    public string? For(string field) => _byPath.TryGetValue(field, out var m) ? string.Join("; ", m) : null;

    public bool Has(string field) => _byPath.ContainsKey(field);

    // The banner's lines: the field in words ("Tier 2 floor", "Auction timeout ms"), then its message.
    public IEnumerable<string> All => _byPath.Select(kv => kv.Key.Length == 0 ? string.Join("; ", kv.Value) : $"{Label(kv.Key)}: {string.Join("; ", kv.Value)}");

    // The paths that have errors, as For takes them (a form section lists those under its own part).
    public IEnumerable<string> Paths => _byPath.Keys;

    // "tiers[1].floor" -> "Tier 2 floor"; "auctionTimeoutMs" -> "Auction timeout ms".
    public static string Label(string path)
    {
        var words = path.Split('.', StringSplitOptions.RemoveEmptyEntries).Select(segment =>
        {
            var indexed = Indexed().Match(segment);
            if (!indexed.Success) return Words(segment);
            var name = Words(indexed.Groups[1].Value);
            if (name.EndsWith('s')) name = name[..^1];
            return $"{name} {int.Parse(indexed.Groups[2].Value) + 1}";
        });
        var text = string.Join(" ", words);
        return text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
    }

    private static string Words(string camel) => CamelHump().Replace(camel, " $1").ToLowerInvariant();

    [GeneratedRegex(@"^(\w+)\[(\d+)\]$")]
    private static partial Regex Indexed();

    [GeneratedRegex("(?<=[a-z0-9])([A-Z])")]
    private static partial Regex CamelHump();
}
