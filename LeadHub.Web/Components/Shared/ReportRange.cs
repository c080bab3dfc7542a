using System.Globalization;
using LeadHub.Web.Portal;

namespace LeadHub.Web.Components.Shared;

// A reporting range as a user picks it: a preset, or a custom pair of wall-clock times, both in
// the user's time zone. The range is kept as what was picked and resolved to UTC instants when
// a query runs, so "Today" left open on screen moves on at the user's midnight.
public sealed record ReportRange(string Preset, DateTime? CustomFrom = null, DateTime? CustomTo = null)
{
    public const string Custom = "custom";

    // Declared once: the picker's buttons, URL values and resolution all come from this list.
    public static readonly IReadOnlyList<(string Id, string Label)> Presets =
    [
        ("hour", "Last hour"),
        ("today", "Today"),
        ("yesterday", "Yesterday"),
        ("7d", "Last 7 days"),
        ("30d", "Last 30 days"),
        ("90d", "Last 90 days"),
        ("mtd", "Month to date"),
        ("last-month", "Last month"),
        (Custom, "Custom"),
    ];

    public static readonly ReportRange Today = new("today");

    // No bound at all: only a search offers it (a report needs a range); it is never resolved.
    public static readonly ReportRange AnyTime = new("any");

    public string Label => Preset == Custom
        ? $"{Wall(CustomFrom) ?? "…"} – {Wall(CustomTo) ?? "…"}"
        : Presets.FirstOrDefault(p => p.Id == Preset).Label ?? Preset;

    // [From, To) in UTC. Ranges that include today end now; a custom range without an end ends now.
    public (DateTimeOffset From, DateTimeOffset To) Resolve(DateTimeOffset utcNow, TimeZoneInfo zone)
    {
        var today = TimeZoneInfo.ConvertTime(utcNow, zone).Date;
        DateTimeOffset At(DateTime local) => ZoneTime.Instant(local, zone);
        return Preset switch
        {
            "hour" => (utcNow.AddHours(-1), utcNow),
            "yesterday" => (At(today.AddDays(-1)), At(today)),
            "7d" => (At(today.AddDays(-6)), utcNow),
            "30d" => (At(today.AddDays(-29)), utcNow),
            "90d" => (At(today.AddDays(-89)), utcNow),
            "mtd" => (At(new DateTime(today.Year, today.Month, 1)), utcNow),
            "last-month" => (At(new DateTime(today.Year, today.Month, 1).AddMonths(-1)), At(new DateTime(today.Year, today.Month, 1))),
            Custom => (CustomFrom is { } f ? At(f) : At(today), CustomTo is { } t ? At(t) : utcNow),
            _ => (At(today), utcNow),
        };
    }

    // A custom range whose end is not after its start is refused by the picker.
    public bool IsValid => Preset != Custom || CustomFrom is null || CustomTo is null || CustomTo > CustomFrom;

    // URL form: "today", or "custom:2026-12-01T08:00~2026-12-02T00:00" (wall-clock, user's zone).
    public override string ToString() =>
        Preset == Custom ? $"{Custom}:{Wall(CustomFrom)}~{Wall(CustomTo)}" : Preset;

    public static ReportRange? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (Presets.Any(p => p.Id == text && p.Id != Custom)) return new ReportRange(text);
        if (!text.StartsWith(Custom + ":", StringComparison.Ordinal)) return null;
        var parts = text[(Custom.Length + 1)..].Split('~');
        if (parts.Length != 2) return null;
        DateTime? from = null, to = null;
        if (parts[0].Length > 0) { if (ParseWall(parts[0]) is { } f) from = f; else return null; }
        if (parts[1].Length > 0) { if (ParseWall(parts[1]) is { } t) to = t; else return null; }
        var range = new ReportRange(Custom, from, to);
        return range.IsValid ? range : null;
    }

    public static DateTime? ParseWall(string? text) =>
        DateTime.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd"], CultureInfo.InvariantCulture,
            DateTimeStyles.None, out var value) ? value : null;

    public static string? Wall(DateTime? value) => value?.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
}
