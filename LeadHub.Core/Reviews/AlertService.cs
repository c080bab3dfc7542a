using System.Net.Http.Json;
using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Reviews;

public static class AlertKinds
{
    public const string BuyerRejects = "buyer-reject-rate", SourceQuality = "source-quality", PingFatigue = "ping-fatigue",
        FallbackIdle = "fallback-idle", PostOutcomeUnknown = "post-outcome-unknown";
}

// Alerts live in LeadHub's own table (they must survive a restart; Hangfire's in-memory storage
// would not). A condition that is still true updates its open alert instead of piling up new ones.
public sealed class AlertService(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    IHttpClientFactory httpFactory,
    IOptions<LeadHubOptions> options,
    TimeProvider time,
    ILogger<AlertService> log)
{
    public async Task<AlertRow> RaiseAsync(string kind, string subject, string message, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var alert = await db.Alerts.FirstOrDefaultAsync(a => a.Kind == kind && a.Subject == subject && a.Status != AlertStatus.Resolved, ct);
        var isNew = alert is null;
        if (alert is null) db.Alerts.Add(alert = new AlertRow { Kind = kind, Subject = subject, CreatedAt = now });
        alert.Message = message;
        alert.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        if (isNew) await NotifyAsync(alert, ct);
        return alert;
    }

    public async Task<bool> SetStatusAsync(long id, string status, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var alert = await db.Alerts.FindAsync([id], ct);
        if (alert is null || alert.Status == AlertStatus.Resolved) return false;
        alert.Status = status;
        alert.HandledBy = actor;
        alert.HandledAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return true;
    }

    // The condition is gone (a manager settled it elsewhere): its open alert is resolved.
    public async Task ResolveAsync(string kind, string subject, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Alerts.Where(a => a.Kind == kind && a.Subject == subject && a.Status != AlertStatus.Resolved)
            .ExecuteUpdateAsync(u => u.SetProperty(a => a.Status, AlertStatus.Resolved).SetProperty(a => a.HandledBy, actor)
                .SetProperty(a => a.HandledAt, time.GetUtcNow()), ct);
    }

    // A webhook that is down must not stop the review: log and go on.
    private async Task NotifyAsync(AlertRow alert, CancellationToken ct)
    {
        if (options.Value.Alerts.WebhookUrl is not { Length: > 0 } url) return;
        try
        {
            using var http = httpFactory.CreateClient("alerts");
            http.Timeout = TimeSpan.FromSeconds(10);
            using var response = await http.PostAsJsonAsync(url, new
            {
                alert.Id, alert.Kind, alert.Subject, alert.Message, alert.CreatedAt,
            }, ct);
            if (!response.IsSuccessStatusCode) log.LogWarning("Alert webhook answered {Status}", (int)response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            log.LogWarning(e, "Alert webhook failed");
        }
    }
}
