using System.Net.Http.Json;
using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Reviews;

public static class AlertKinds
{
    public const string BuyerRejects = "buyer-reject-rate", SourceQuality = "source-quality", PingFatigue = "ping-fatigue",
        FallbackIdle = "fallback-idle", PostOutcomeUnknown = "post-outcome-unknown",
        // A publisher postback given up after its last attempt (Postbacks.PostbackOutbox).
        PostbackFailed = "postback-failed";
}

// How urgent each kind of alert is: the one list, shown and filtered on in the portal.
public static class AlertSeverity
{
    public const string Info = "info", Warning = "warning", Critical = "critical";

    public static readonly IReadOnlyList<string> All = [Critical, Warning, Info];

    public static string Of(string kind) => kind switch
    {
        // A lead whose sale nobody knows: money may be owed or lost.
        AlertKinds.PostOutcomeUnknown => Critical,
        AlertKinds.BuyerRejects or AlertKinds.SourceQuality or AlertKinds.PostbackFailed => Warning,
        _ => Info,
    };

    // The kinds of one severity, for queries.
    public static IReadOnlyList<string> KindsOf(string severity) =>
        new[] { AlertKinds.BuyerRejects, AlertKinds.SourceQuality, AlertKinds.PingFatigue, AlertKinds.FallbackIdle, AlertKinds.PostOutcomeUnknown, AlertKinds.PostbackFailed }
            .Where(k => Of(k) == severity).ToList();
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
        if (isNew)
        {
            OnChanged();
            await NotifyAsync(alert, ct);
        }
        return alert;
    }

    // Raised when alerts change (raised, read, resolved): the portal's unread count follows.
    public event Action? Changed;

    private void OnChanged() => Changed?.Invoke();

    public async Task<bool> SetStatusAsync(long id, string status, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var alert = await db.Alerts.FindAsync([id], ct);
        if (alert is null || alert.Status == AlertStatus.Resolved) return false;
        alert.Status = status;
        alert.HandledBy = actor;
        alert.HandledAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        OnChanged();
        return true;
    }

    // "Unread" is an open alert; reading it acknowledges it (who and when are kept).
    public async Task<int> MarkAllReadAsync(string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var count = await db.Alerts.Where(a => a.Status == AlertStatus.Open)
            .ExecuteUpdateAsync(u => u.SetProperty(a => a.Status, AlertStatus.Acknowledged).SetProperty(a => a.HandledBy, actor)
                .SetProperty(a => a.HandledAt, time.GetUtcNow()), ct);
        OnChanged();
        return count;
    }

    // The condition is gone (a manager settled it elsewhere): its open alert is resolved.
    public async Task ResolveAsync(string kind, string subject, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Alerts.Where(a => a.Kind == kind && a.Subject == subject && a.Status != AlertStatus.Resolved)
            .ExecuteUpdateAsync(u => u.SetProperty(a => a.Status, AlertStatus.Resolved).SetProperty(a => a.HandledBy, actor)
                .SetProperty(a => a.HandledAt, time.GetUtcNow()), ct);
        OnChanged();
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
