using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Postbacks;

public sealed record PostbackFilter(string? Publisher = null, string? State = null, Guid? LeadId = null, int Skip = 0, int Take = 100);

// One line of the delivery log: what was sent for which lead and event, and how it went.
public sealed record PostbackLogEntry(long Id, Guid LeadId, string Publisher, string Event, string Status, decimal Payout, string? ReasonCode,
    string State, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset NextAttemptAt, DateTimeOffset? LastAttemptAt,
    string? LastRequest, int? LastStatus, string? LastError, string? LastAnswer, DateTimeOffset? DeliveredAt);

public sealed record PostbackPage(IReadOnlyList<PostbackLogEntry> Items, int Total);

// The delivery log's read model, for the portal page, its CSV and the admin API alike.
public sealed class PostbackQueries(IDbContextFactory<LeadHubDbContext> dbFactory)
{
    public const int MaxTake = 1000;

    public async Task<PostbackPage> ListAsync(PostbackFilter filter, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = Filtered(db, filter);
        var total = await rows.CountAsync(ct);
        var items = await Entries(rows.OrderByDescending(p => p.Id).Skip(Math.Max(0, filter.Skip)).Take(Math.Clamp(filter.Take, 1, MaxTake)))
            .ToListAsync(ct);
        return new PostbackPage(items, total);
    }

    // Every matching entry, newest first, streamed (the CSV export).
    public async IAsyncEnumerable<PostbackLogEntry> AllAsync(PostbackFilter filter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await foreach (var entry in Entries(Filtered(db, filter).OrderByDescending(p => p.Id)).AsAsyncEnumerable().WithCancellation(ct))
            yield return entry;
    }

    private static IQueryable<PostbackRow> Filtered(LeadHubDbContext db, PostbackFilter filter)
    {
        var rows = db.Postbacks.AsNoTracking();
        if (filter.Publisher is { Length: > 0 } publisher) rows = rows.Where(p => p.PublisherKey == publisher);
        if (filter.State is { Length: > 0 } state) rows = rows.Where(p => p.State == state);
        if (filter.LeadId is { } lead) rows = rows.Where(p => p.LeadId == lead);
        return rows;
    }

    private static IQueryable<PostbackLogEntry> Entries(IQueryable<PostbackRow> rows) =>
        rows.Select(p => new PostbackLogEntry(p.Id, p.LeadId, p.PublisherKey, p.Event, p.Status, p.Payout, p.ReasonCode, p.State, p.Attempts,
            p.CreatedAt, p.NextAttemptAt, p.LastAttemptAt, p.LastRequest, p.LastStatus, p.LastError, p.LastAnswer, p.DeliveredAt));
}
