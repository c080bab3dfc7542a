namespace LeadHub.Web.Components.Pages.Buyers;

// The time zones a schedule can name: the system's ids plus their IANA names (on Windows the
// system ids are Windows ids; the workspace file and the docs use IANA ids such as America/New_York).
public static class TimeZoneIds
{
    public static readonly IReadOnlyList<string> All = Build();

    public static IEnumerable<string> Search(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? All
            : All.Where(id => id.Contains(text.Trim().Replace(' ', '_'), StringComparison.OrdinalIgnoreCase));

    private static List<string> Build()
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal) { "UTC" };
        foreach (var zone in TimeZoneInfo.GetSystemTimeZones())
        {
            ids.Add(zone.Id);
            if (TimeZoneInfo.TryConvertWindowsIdToIanaId(zone.Id, out var iana)) ids.Add(iana);
        }
        return [.. ids];
    }
}
