using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Security;

// Bearer tokens of the admin API: the one from configuration (LeadHub:AdminApiToken) and any
// number created by admins in the portal, each shown once, stored hashed, revocable.
public sealed class AdminTokens(IDbContextFactory<LeadHubDbContext> dbFactory, IOptions<LeadHubOptions> options, TimeProvider time)
{
    public async Task<bool> IsValidAsync(string presented, CancellationToken ct = default)
    {
        if (options.Value.AdminApiToken is { Length: > 0 } configured && ApiKeys.Matches(presented, ApiKeys.Hash(configured))) return true;
        var hash = ApiKeys.Hash(presented);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Hash == hash && t.RevokedAt == null, ct);
        if (token is null || !ApiKeys.Matches(presented, token.Hash)) return false;
        token.LastUsedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return true;
    }

    // The clear token is returned once and never stored.
    public async Task<(ApiTokenRow Row, string Token)> CreateAsync(string name, string actor, CancellationToken ct = default)
    {
        var token = ApiKeys.NewKey();
        var now = time.GetUtcNow();
        var row = new ApiTokenRow { Id = Guid.NewGuid(), Name = name.Trim(), Hash = ApiKeys.Hash(token), CreatedBy = actor, CreatedAt = now };
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ApiTokens.Add(row);
        db.Audit.Add(new AuditRow { At = now, Actor = actor, Action = "create api token", EntityType = "api-token", EntityKey = row.Name });
        await db.SaveChangesAsync(ct);
        return (row, token);
    }

    public async Task<bool> RevokeAsync(Guid id, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.ApiTokens.FindAsync([id], ct);
        if (row is null || row.RevokedAt is not null) return false;
        row.RevokedAt = time.GetUtcNow();
        db.Audit.Add(new AuditRow { At = row.RevokedAt.Value, Actor = actor, Action = "revoke api token", EntityType = "api-token", EntityKey = row.Name });
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<List<ApiTokenRow>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ApiTokens.AsNoTracking().OrderByDescending(t => t.CreatedAt).ToListAsync(ct);
    }
}
