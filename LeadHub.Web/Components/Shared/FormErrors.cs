using LeadHub.Core.Workspace;

namespace LeadHub.Web.Components.Shared;

// The portal validates with the same WorkspaceValidator as the API: its errors carry JSON
// paths, and a form shows each next to the field its path ends in.
public sealed class FormErrors
{
    private readonly Dictionary<string, string[]> _byPath;

    public FormErrors(IEnumerable<WorkspaceError> errors, string prefix) =>
        _byPath = errors.GroupBy(e => e.Path.StartsWith(prefix) ? e.Path[prefix.Length..].TrimStart('.') : e.Path)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());

    public static readonly FormErrors None = new([], "");

    public bool Any => _byPath.Count > 0;

    // e.g. For("floor"), For("tiers[1].floor"), For("") for errors about the object itself.
    public string? For(string field) => _byPath.TryGetValue(field, out var m) ? string.Join("; ", m) : null;

    public bool Has(string field) => _byPath.ContainsKey(field);

    public IEnumerable<string> All => _byPath.Select(kv => kv.Key.Length == 0 ? string.Join("; ", kv.Value) : $"{kv.Key}: {string.Join("; ", kv.Value)}");
}
