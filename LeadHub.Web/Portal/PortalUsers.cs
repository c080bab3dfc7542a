using System.Text.Json;
using LeadHub.Core.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Web.Portal;

public sealed record PortalUser(string Id, string Email, string Role, DateTimeOffset? LockedUntil, int FailedSignIns)
{
    public bool LockedOut(DateTimeOffset now) => LockedUntil > now;
}

// Portal user management for the Users page: each operation runs in its own DI scope (its own
// UserManager and DbContext), so a long-lived circuit holds no DbContext. Every change is
// written to the audit log with the acting admin; passwords and hashes are never returned or
// recorded. Callers check that the actor is an admin; the rules about the actor's own account
// are checked here.
public sealed class PortalUsers(IServiceScopeFactory scopes, TimeProvider time)
{
    public async Task<List<PortalUser>> ListAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadHubDbContext>();
        var roles = await (from ur in db.UserRoles
                           join r in db.Roles on ur.RoleId equals r.Id
                           select new { ur.UserId, r.Name }).ToListAsync(ct);
        var roleOf = roles.GroupBy(r => r.UserId).ToDictionary(g => g.Key, g => g.Select(r => r.Name ?? "").Order().First());
        var users = await db.Users.AsNoTracking()
            .Select(u => new { u.Id, u.Email, u.UserName, u.LockoutEnd, u.AccessFailedCount })
            .ToListAsync(ct);
        return users
            .Select(u => new PortalUser(u.Id, u.Email ?? u.UserName ?? "", roleOf.GetValueOrDefault(u.Id, ""), u.LockoutEnd, u.AccessFailedCount))
            .OrderBy(u => u.Email, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    // Null on success, else the reasons (Identity's password and user rules among them).
    public async Task<IReadOnlyList<string>?> CreateAsync(string actor, string email, string role, string password)
    {
        email = email.Trim();
        if (!Roles.All.Contains(role)) return [$"unknown role '{role}'"];
        if (!System.Net.Mail.MailAddress.TryCreate(email, out var parsed) || parsed.Address != email) return ["enter a valid email address"];
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = new IdentityUser { UserName = email, Email = email, EmailConfirmed = true };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded) return Describe(created);
        var added = await users.AddToRoleAsync(user, role);
        if (!added.Succeeded)
        {
            await users.DeleteAsync(user);
            return Describe(added);
        }
        await AuditAsync(scope, actor, "create", email, null, new { role });
        return null;
    }

    public async Task<string?> ChangeRoleAsync(string actor, string userId, string role)
    {
        if (!Roles.All.Contains(role)) return $"unknown role '{role}'";
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        if (await users.FindByIdAsync(userId) is not { } user) return "the user no longer exists";
        var current = await users.GetRolesAsync(user);
        if (current.Count == 1 && current[0] == role) return null;
        if (IsSelf(user, actor) && current.Contains(Roles.Admin) && role != Roles.Admin)
            return "you cannot remove your own Admin role; another admin can";
        var removed = await users.RemoveFromRolesAsync(user, current);
        if (!removed.Succeeded) return string.Join("; ", Describe(removed));
        var added = await users.AddToRoleAsync(user, role);
        if (!added.Succeeded) return string.Join("; ", Describe(added));
        // Signed-in sessions pick up the new role at their next cookie validation.
        await users.UpdateSecurityStampAsync(user);
        await AuditAsync(scope, actor, "change role", user.Email ?? userId, new { role = string.Join(",", current) }, new { role });
        return null;
    }

    public async Task<IReadOnlyList<string>?> ResetPasswordAsync(string actor, string userId, string password)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        if (await users.FindByIdAsync(userId) is not { } user) return ["the user no longer exists"];
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var reset = await users.ResetPasswordAsync(user, token, password);
        if (!reset.Succeeded) return Describe(reset);
        await AuditAsync(scope, actor, "reset password", user.Email ?? userId, null, null);
        return null;
    }

    public async Task<string?> SetLockedAsync(string actor, string userId, bool locked)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        if (await users.FindByIdAsync(userId) is not { } user) return "the user no longer exists";
        if (locked && IsSelf(user, actor)) return "you cannot lock your own account";
        if (locked)
        {
            await users.SetLockoutEnabledAsync(user, true);
            await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
            // Ends the user's signed-in sessions at their next cookie validation.
            await users.UpdateSecurityStampAsync(user);
        }
        else
        {
            await users.SetLockoutEndDateAsync(user, null);
            await users.ResetAccessFailedCountAsync(user);
        }
        await AuditAsync(scope, actor, locked ? "lock" : "unlock", user.Email ?? userId, null, null);
        return null;
    }

    // A user's own time zone, kept as an Identity user claim (no table of its own). Null: none
    // stored yet (the sign-in page stores the browser's on first sign-in).
    public const string TimeZoneClaim = "leadhub:time-zone";

    public async Task<TimeZoneInfo?> GetTimeZoneAsync(string userName, CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadHubDbContext>();
        var normalized = userName.ToUpperInvariant();
        var id = await (from c in db.UserClaims
                        join u in db.Users on c.UserId equals u.Id
                        where u.NormalizedUserName == normalized && c.ClaimType == TimeZoneClaim
                        select c.ClaimValue).FirstOrDefaultAsync(ct);
        return ZoneTime.TryFind(id, out var zone) ? zone : null;
    }

    // Null on success, else why not. `onlyIfUnset`: the browser's zone at sign-in never replaces a chosen one.
    public async Task<string?> SetTimeZoneAsync(string userName, string? zoneId, bool onlyIfUnset = false)
    {
        if (!ZoneTime.TryFind(zoneId, out _)) return "choose a time zone from the list (an IANA id such as America/New_York)";
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        if (await users.FindByNameAsync(userName) is not { } user) return "the user no longer exists";
        var existing = (await users.GetClaimsAsync(user)).Where(c => c.Type == TimeZoneClaim).ToList();
        if (onlyIfUnset && existing.Count > 0) return null;
        if (existing.Count > 0) await users.RemoveClaimsAsync(user, existing);
        var added = await users.AddClaimAsync(user, new System.Security.Claims.Claim(TimeZoneClaim, zoneId!.Trim()));
        return added.Succeeded ? null : string.Join("; ", Describe(added));
    }

    private static bool IsSelf(IdentityUser user, string actor) =>
        string.Equals(user.UserName, actor, StringComparison.OrdinalIgnoreCase) || string.Equals(user.Email, actor, StringComparison.OrdinalIgnoreCase);

    private static List<string> Describe(IdentityResult result) => result.Errors.Select(e => e.Description).ToList();

    private async Task AuditAsync(AsyncServiceScope scope, string actor, string action, string email, object? before, object? after)
    {
        var db = scope.ServiceProvider.GetRequiredService<LeadHubDbContext>();
        db.Audit.Add(new AuditRow
        {
            At = time.GetUtcNow(), Actor = actor, Action = action, EntityType = "user", EntityKey = email,
            Before = before is null ? null : JsonSerializer.Serialize(before),
            After = after is null ? null : JsonSerializer.Serialize(after),
        });
        await db.SaveChangesAsync();
    }
}
