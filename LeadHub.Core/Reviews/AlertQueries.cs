using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Reviews;

// The read side of alerts (AlertService raises and handles them): newest first.
public sealed class AlertQueries(IDbContextFactory<LeadHubDbContext> dbFactory)
{
    public const int MaxRows = 500;

    // `activeOnly`: open and acknowledged, not resolved; `severity`: one of AlertSeverity, or null for all.
    public async Task<IReadOnlyList<AlertRow>> ListAsync(bool activeOnly, string? severity = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var alerts = db.Alerts.AsNoTracking();
        if (activeOnly) alerts = alerts.Where(a => a.Status != AlertStatus.Resolved);
        if (severity is not null)
        {
            var kinds = AlertSeverity.KindsOf(severity);
            alerts = alerts.Where(a => kinds.Contains(a.Kind));
        }
        return await alerts.OrderByDescending(a => a.Id).Take(MaxRows).ToListAsync(ct);
    }

    // Open alerts nobody has read yet: the count beside "Alerts" in the menu.
    public async Task<int> UnreadCountAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Alerts.CountAsync(a => a.Status == AlertStatus.Open, ct);
    }
}
