using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Reviews;

// The read side of alerts (AlertService raises and handles them): newest first.
public sealed class AlertQueries(IDbContextFactory<LeadHubDbContext> dbFactory)
{
    public const int MaxRows = 500;

    // `activeOnly`: open and acknowledged, not resolved.
    public async Task<IReadOnlyList<AlertRow>> ListAsync(bool activeOnly, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var alerts = db.Alerts.AsNoTracking();
        if (activeOnly) alerts = alerts.Where(a => a.Status != AlertStatus.Resolved);
        return await alerts.OrderByDescending(a => a.Id).Take(MaxRows).ToListAsync(ct);
    }
}
