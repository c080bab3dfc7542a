using System.Text.RegularExpressions;
using LeadHub.Core.Storage;
using LeadHub.Core.Validation;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Suppression;

// What a manager sees of a list: never an entry.
public sealed record SuppressionListView(string Key, string Name, string Kind, string Scope, string? Target, int Entries,
    DateTimeOffset UpdatedAt, DateTimeOffset? LastUploadAt, string? LastUploadBy, int? LastUploadRows);

public sealed record SuppressionListInput(string? Name, string? Kind, string? Scope, string? Target);

public static class UploadModes
{
    // Add: the file's entries join the list. Replace: the list becomes exactly the file.
    public const string Add = "add", Replace = "replace";
}

public sealed record SuppressionApplyResult(string List, string Mode, int Added, int Removed, int Entries);

// Lists and their entries, changed by a manager (portal, admin API). Every change bumps the
// list's version and the suppression version row in the same transaction, then reloads this
// node's index; other nodes follow through SuppressionWatcher.
public sealed partial class SuppressionService(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    SuppressionLists lists,
    SuppressionHasher hasher,
    RoutingSnapshotHolder snapshots,
    TimeProvider time)
{
    [GeneratedRegex("^[a-z0-9-]{1,64}$")]
    private static partial Regex Slug();

    public async Task<IReadOnlyList<SuppressionListView>> ListsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.SuppressionLists.AsNoTracking().ToListAsync(ct);
        return rows.OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).Select(View).ToList();
    }

    public async Task<SuppressionListView?> GetAsync(string key, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.SuppressionLists.AsNoTracking().FirstOrDefaultAsync(l => l.Key == key, ct);
        return row is null ? null : View(row);
    }

    private static SuppressionListView View(SuppressionListRow r) =>
        new(r.Key, r.Name, r.Kind, r.Scope, r.Target, r.EntryCount, r.UpdatedAt, r.LastUploadAt, r.LastUploadBy, r.LastUploadRows);

    // Leads stopped by a global or campaign list since then (stored `unsold` with reason `suppressed`).
    public async Task<int> SuppressedLeadsSinceAsync(DateTimeOffset since, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Leads.AsNoTracking()
            .CountAsync(l => l.ReceivedAt >= since && l.Status == LeadStatus.Unsold && l.Reason == SuppressionReasons.Suppressed, ct);
    }

    // Creates or renames/rescopes a list; errors by field, nothing changed when there are any.
    public async Task<Dictionary<string, string[]>> SaveListAsync(string key, SuppressionListInput input, string actor, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Slug().IsMatch(key ?? "")) errors["key"] = ["must be 1-64 lower-case letters, digits or '-'"];
        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > 200) errors["name"] = ["is required (at most 200 characters)"];
        var kind = input.Kind?.Trim() ?? "";
        if (kind.Length > 64) errors["kind"] = ["must be at most 64 characters"];
        var scope = input.Scope?.Trim() ?? "";
        var target = string.IsNullOrWhiteSpace(input.Target) ? null : input.Target.Trim();
        var snapshot = snapshots.Current;
        if (!SuppressionScopes.All.Contains(scope)) errors["scope"] = [$"choose one of {string.Join(", ", SuppressionScopes.All)}"];
        else if (scope == SuppressionScopes.Global && target is not null) errors["target"] = ["a global list has no target"];
        else if (scope == SuppressionScopes.Campaign && (target is null || !snapshot.Campaigns.ContainsKey(target)))
            errors["target"] = [target is null ? "name the campaign" : $"there is no campaign '{target}'"];
        else if (scope == SuppressionScopes.Buyer && (target is null || !snapshot.Buyers.ContainsKey(target)))
            errors["target"] = [target is null ? "name the buyer" : $"there is no buyer '{target}'"];
        if (errors.Count > 0) return errors;

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = time.GetUtcNow();
        var row = await db.SuppressionLists.FirstOrDefaultAsync(l => l.Key == key, ct);
        var created = row is null;
        if (row is null) db.SuppressionLists.Add(row = new SuppressionListRow { Key = key!, CreatedAt = now });
        row.Name = name;
        row.Kind = kind;
        row.Scope = scope;
        row.Target = target;
        row.UpdatedAt = now;
        row.Version++;
        db.Audit.Add(Audit(created ? "create suppression list" : "update suppression list", key!, actor, now, $"{scope} {target}".Trim()));
        await db.SaveChangesAsync(ct);
        await BumpAsync(db, ct);
        await tx.CommitAsync(ct);
        await lists.ReloadAsync(ct);
        return errors;
    }

    public async Task<bool> DeleteListAsync(string key, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await db.SuppressionLists.Where(l => l.Key == key).ExecuteDeleteAsync(ct) == 0) return false;
        await db.SuppressionEntries.Where(e => e.ListKey == key).ExecuteDeleteAsync(ct);
        db.Audit.Add(Audit("delete suppression list", key, actor, time.GetUtcNow(), null));
        await db.SaveChangesAsync(ct);
        await BumpAsync(db, ct);
        await tx.CommitAsync(ct);
        await lists.ReloadAsync(ct);
        return true;
    }

    public async Task<SuppressionUpload> ReadFileAsync(Stream file, CancellationToken ct = default)
    {
        await hasher.EnsureKeyAsync(ct);
        return await SuppressionFile.ReadAsync(file, hasher, ct: ct);
    }

    // Null when there is no such list.
    public async Task<SuppressionApplyResult?> ApplyAsync(string key, SuppressionUpload upload, string mode, string actor, CancellationToken ct = default)
    {
        if (mode is not (UploadModes.Add or UploadModes.Replace)) throw new ArgumentException($"mode must be {UploadModes.Add} or {UploadModes.Replace}", nameof(mode));
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var row = await db.SuppressionLists.FirstOrDefaultAsync(l => l.Key == key, ct);
        if (row is null) return null;
        var existing = new HashSet<(UInt128, UInt128)>();
        await foreach (var hash in db.SuppressionEntries.AsNoTracking().Where(e => e.ListKey == key).Select(e => e.Hash).AsAsyncEnumerable().WithCancellation(ct))
            existing.Add(SuppressionFile.Split(hash));
        var removed = 0;
        IEnumerable<(UInt128, UInt128)> toWrite;
        if (mode == UploadModes.Replace)
        {
            // The list becomes the file: rewritten whole (one statement to empty it, bulk inserts to fill it).
            removed = existing.Count(h => !upload.Hashes.Contains(h));
            await db.SuppressionEntries.Where(e => e.ListKey == key).ExecuteDeleteAsync(ct);
            toWrite = upload.Hashes;
        }
        else
        {
            toWrite = upload.Hashes.Where(h => !existing.Contains(h));
        }
        var added = upload.Hashes.Count(h => !existing.Contains(h));
        var bulk = new BulkRows(db);
        foreach (var chunk in toWrite.Chunk(10_000))
            await bulk.InsertAsync(chunk.Select(h => new SuppressionEntryRow { ListKey = key, Hash = SuppressionFile.Join(h) }).ToList(), ct);

        var now = time.GetUtcNow();
        row.EntryCount = existing.Count - removed + added;
        row.Version++;
        row.UpdatedAt = now;
        row.LastUploadAt = now;
        row.LastUploadBy = actor;
        row.LastUploadRows = upload.RowsRead;
        db.Audit.Add(Audit($"upload suppression list ({mode})", key, actor, now, $"{added} added, {removed} removed, {row.EntryCount} entries"));
        await db.SaveChangesAsync(ct);
        await BumpAsync(db, ct);
        await tx.CommitAsync(ct);
        await lists.ReloadAsync(ct);
        return new SuppressionApplyResult(key, mode, added, removed, row.EntryCount);
    }

    public sealed record EntryChange(bool ListFound, Dictionary<string, string[]> Errors, int Changed, int Entries);

    // A single do-not-contact request (a consumer's, forwarded by a publisher or buyer): phone and/or email.
    public Task<EntryChange> AddEntryAsync(string key, string? phone, string? email, string actor, CancellationToken ct = default) =>
        ChangeEntryAsync(key, phone, email, actor, add: true, ct);

    public Task<EntryChange> RemoveEntryAsync(string key, string? phone, string? email, string actor, CancellationToken ct = default) =>
        ChangeEntryAsync(key, phone, email, actor, add: false, ct);

    private async Task<EntryChange> ChangeEntryAsync(string key, string? phone, string? email, string actor, bool add, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var values = new List<string>();
        if (!string.IsNullOrWhiteSpace(phone))
        {
            if (phone.Length <= 64 && LeadValidator.NormalizePhone(phone) is { } p) values.Add(p);
            else errors["phone"] = ["is not a valid phone number"];
        }
        if (!string.IsNullOrWhiteSpace(email))
        {
            if (email.Length <= 254 && LeadValidator.NormalizeEmail(email) is { } e) values.Add(e);
            else errors["email"] = ["is not a valid email address"];
        }
        if (errors.Count == 0 && values.Count == 0) errors["phone"] = ["give a phone, an email, or both"];
        if (errors.Count > 0) return new EntryChange(true, errors, 0, 0);

        await hasher.EnsureKeyAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var row = await db.SuppressionLists.FirstOrDefaultAsync(l => l.Key == key, ct);
        if (row is null) return new EntryChange(false, errors, 0, 0);
        var changed = 0;
        foreach (var hash in values.Select(hasher.Hash))
        {
            var there = await db.SuppressionEntries.AnyAsync(e => e.ListKey == key && e.Hash == hash, ct);
            if (add && !there)
            {
                db.SuppressionEntries.Add(new SuppressionEntryRow { ListKey = key, Hash = hash });
                changed++;
            }
            else if (!add && there)
            {
                await db.SuppressionEntries.Where(e => e.ListKey == key && e.Hash == hash).ExecuteDeleteAsync(ct);
                changed++;
            }
        }
        var now = time.GetUtcNow();
        row.EntryCount += add ? changed : -changed;
        row.Version++;
        row.UpdatedAt = now;
        db.Audit.Add(Audit(add ? "add suppression entry" : "remove suppression entry", key, actor, now, $"{changed} changed"));
        await db.SaveChangesAsync(ct);
        await BumpAsync(db, ct);
        await tx.CommitAsync(ct);
        await lists.ReloadAsync(ct);
        return new EntryChange(true, errors, changed, row.EntryCount);
    }

    private static Task BumpAsync(LeadHubDbContext db, CancellationToken ct) =>
        db.ConfigVersions.Where(v => v.Id == SuppressionLists.VersionRow)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.Version, v => v.Version + 1), ct);

    // The audit names the list and counts, never an entry.
    private static AuditRow Audit(string action, string key, string actor, DateTimeOffset at, string? after) =>
        new() { At = at, Actor = actor, Action = action, EntityType = "suppression-list", EntityKey = key, After = after };
}
