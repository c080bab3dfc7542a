using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Audit;

public enum AuditSort { Newest, Actor, EntityType }

public sealed record AuditPage(int Total, IReadOnlyList<AuditRow> Items);

// The read side of the audit log (WorkspaceService, AdminTokens and ReturnService write it).
public sealed class AuditQueries(IDbContextFactory<LeadHubDbContext> dbFactory)
{
    // `search` matches the actor, the entity type or the entity key (substring).
    public async Task<AuditPage> SearchAsync(string? search, AuditSort sort, bool descending, int skip, int take, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = db.Audit.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
            rows = rows.Where(a => a.Actor.Contains(search) || a.EntityType.Contains(search) || a.EntityKey.Contains(search));
        rows = sort switch
        {
            AuditSort.Actor => descending ? rows.OrderByDescending(a => a.Actor) : rows.OrderBy(a => a.Actor),
            AuditSort.EntityType => descending ? rows.OrderByDescending(a => a.EntityType) : rows.OrderBy(a => a.EntityType),
            _ => descending ? rows.OrderByDescending(a => a.Id) : rows.OrderBy(a => a.Id),
        };
        var total = await rows.CountAsync(ct);
        var items = await rows.Skip(skip).Take(take).ToListAsync(ct);
        return new AuditPage(total, items);
    }
}
