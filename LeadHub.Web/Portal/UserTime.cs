using System.Globalization;
using System.Security.Claims;

namespace LeadHub.Web.Portal;

// The signed-in user's time zone: the one place the portal turns instants (stored UTC) into the
// times a user reads, and local days into the UTC instants a query needs. Scoped: one per
// request or circuit, loaded once from the user's stored setting (UTC until one is stored).
public sealed class UserTime(PortalUsers users, TimeProvider time)
{
    private bool _loaded;

    public TimeZoneInfo Zone { get; private set; } = TimeZoneInfo.Utc;

    // The IANA id where there is one (what the user chose; what the docs and workspace use).
    public string ZoneId => Zone.HasIanaId || !TimeZoneInfo.TryConvertWindowsIdToIanaId(Zone.Id, out var iana) ? Zone.Id : iana;

    public DateTimeOffset UtcNow => time.GetUtcNow();

    public DateTimeOffset Now => ToLocal(time.GetUtcNow());

    public async Task LoadAsync(ClaimsPrincipal user, CancellationToken ct = default)
    {
        if (_loaded || user.Identity?.Name is not { } name) return;
        _loaded = true;
        if (await users.GetTimeZoneAsync(name, ct) is { } zone) Zone = zone;
    }

    // For tests and for a change the user just saved.
    public void Use(TimeZoneInfo zone)
    {
        Zone = zone;
        _loaded = true;
    }

    public DateTimeOffset ToLocal(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone);

    // "2026-12-02 04:41:06" in the user's zone; the zone is named once per page, not in every cell.
    public string Show(DateTimeOffset instant, bool seconds = true) =>
        ToLocal(instant).ToString(seconds ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public string Show(DateTimeOffset? instant, bool seconds = true) => instant is { } i ? Show(i, seconds) : "—";

    // ISO 8601 with the user's offset, as CSV exports write times.
    public string Iso(DateTimeOffset instant) => ToLocal(instant).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    // The UTC instant of a wall-clock time in the user's zone.
    public DateTimeOffset ToInstant(DateTime local) => ZoneTime.Instant(local, Zone);
}

public static class ZoneTime
{
    // The instant of a wall-clock time in a zone. A time skipped by a daylight-saving jump (some
    // zones jump at midnight) means the first instant after the jump.
    public static DateTimeOffset Instant(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(30);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }

    public static bool TryFind(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64) return false;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out var found)) return false;
        zone = found;
        return true;
    }
}
