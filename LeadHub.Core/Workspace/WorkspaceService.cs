using System.Text.Json;
using LeadHub.Core.Security;
using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Workspace;

// The one way configuration changes: validate whole, save in one transaction, bump the version,
// rebuild the routing snapshot. The admin API, the start-up file and (later) the portal use it.
public sealed class WorkspaceService(IDbContextFactory<LeadHubDbContext> dbFactory, RoutingSnapshotHolder holder, TimeProvider time)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IReadOnlyList<WorkspaceError>> ImportAsync(WorkspaceDocument incoming, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var current = await LoadAsync(db, ct);
            // Null entries in lists first: merging and validating both need every entry to be there.
            var errors = WorkspaceValidator.CheckNullEntries(incoming);
            if (errors.Count > 0) return errors;
            errors = WorkspaceValidator.Validate(incoming, Merge(current, incoming));
            if (errors.Count > 0) return errors;

            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var now = time.GetUtcNow();
            foreach (var c in incoming.Campaigns) await UpsertCampaignAsync(db, c, now, ct);
            foreach (var p in incoming.Publishers) await UpsertPublisherAsync(db, p, now, ct);
            foreach (var b in incoming.Buyers) await UpsertBuyerAsync(db, b, now, ct);
            await BumpVersionAsync(db, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            await ReloadAsync(ct);
            return [];
        }
        finally
        {
            _gate.Release();
        }
    }

    // Pauses or resumes one contract (auto-pause by buyer health, later the portal's switch).
    public async Task<bool> SetContractActiveAsync(string contractKey, bool active, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var row = await db.Contracts.FindAsync([contractKey], ct);
            if (row is null) return false;
            row.Active = active;
            row.Json = Write(Read<ContractConfig>(row.Json) with { Active = active });
            row.UpdatedAt = time.GetUtcNow();
            await BumpVersionAsync(db, ct);
            await db.SaveChangesAsync(ct);
            await ReloadAsync(ct);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<WorkspaceDocument> ExportAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await LoadAsync(db, ct);
    }

    public async Task ReloadAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var doc = await LoadAsync(db, ct);
        var publisherHashes = await db.Publishers.Where(p => p.ApiKeyHash != null).ToDictionaryAsync(p => p.Key, p => p.ApiKeyHash!, ct);
        var buyerHashes = await db.Buyers.Where(p => p.ApiKeyHash != null).ToDictionaryAsync(p => p.Key, p => p.ApiKeyHash!, ct);
        var version = (await db.ConfigVersions.FindAsync([1], ct))?.Version ?? 0;
        holder.Swap(new RoutingSnapshot(doc, publisherHashes, buyerHashes, version));
    }

    private static async Task<WorkspaceDocument> LoadAsync(LeadHubDbContext db, CancellationToken ct)
    {
        var campaigns = await db.Campaigns.AsNoTracking().OrderBy(c => c.Key).ToListAsync(ct);
        var publishers = await db.Publishers.AsNoTracking().OrderBy(c => c.Key).ToListAsync(ct);
        var buyers = await db.Buyers.AsNoTracking().OrderBy(c => c.Key).ToListAsync(ct);
        var contracts = (await db.Contracts.AsNoTracking().OrderBy(c => c.Key).ToListAsync(ct)).ToLookup(c => c.BuyerKey);
        return new WorkspaceDocument
        {
            Campaigns = campaigns.Select(c => Read<CampaignConfig>(c.Json)).ToList(),
            Publishers = publishers.Select(p => Read<PublisherConfig>(p.Json)).ToList(),
            Buyers = buyers.Select(b => Read<BuyerConfig>(b.Json) with
            {
                Contracts = contracts[b.Key].Select(c => Read<ContractConfig>(c.Json)).ToList(),
            }).ToList(),
        };
    }

    private static WorkspaceDocument Merge(WorkspaceDocument current, WorkspaceDocument incoming)
    {
        static List<T> Upsert<T>(List<T> existing, List<T> changes, Func<T, string> key) =>
            existing.Where(e => changes.All(c => key(c) != key(e))).Concat(changes).ToList();

        var buyers = incoming.Buyers.Select(b =>
        {
            var old = current.Buyers.FirstOrDefault(x => x.Key == b.Key);
            return old is null ? b : b with { Contracts = Upsert(old.Contracts, b.Contracts, c => c.Key) };
        }).ToList();
        return new WorkspaceDocument
        {
            Campaigns = Upsert(current.Campaigns, incoming.Campaigns, c => c.Key),
            Publishers = Upsert(current.Publishers, incoming.Publishers, p => p.Key),
            Buyers = Upsert(current.Buyers, buyers, b => b.Key),
        };
    }

    private static async Task UpsertCampaignAsync(LeadHubDbContext db, CampaignConfig c, DateTimeOffset now, CancellationToken ct)
    {
        var row = await db.Campaigns.FindAsync([c.Key], ct);
        if (row is null) db.Campaigns.Add(row = new CampaignRow { Key = c.Key });
        row.Name = c.Name;
        row.Active = c.Active;
        row.Json = Write(c);
        row.UpdatedAt = now;
    }

    private static async Task UpsertPublisherAsync(LeadHubDbContext db, PublisherConfig p, DateTimeOffset now, CancellationToken ct)
    {
        var row = await db.Publishers.FindAsync([p.Key], ct);
        if (row is null) db.Publishers.Add(row = new PublisherRow { Key = p.Key });
        row.Name = p.Name;
        row.Active = p.Active;
        // An export carries no key, so re-importing it keeps the key that is set.
        if (p.ApiKey is not null) row.ApiKeyHash = ApiKeys.Hash(p.ApiKey);
        row.Json = Write(p with { ApiKey = null });
        row.UpdatedAt = now;
    }

    private static async Task UpsertBuyerAsync(LeadHubDbContext db, BuyerConfig b, DateTimeOffset now, CancellationToken ct)
    {
        var row = await db.Buyers.FindAsync([b.Key], ct);
        if (row is null) db.Buyers.Add(row = new BuyerRow { Key = b.Key });
        row.Name = b.Name;
        row.Active = b.Active;
        if (b.ApiKey is not null) row.ApiKeyHash = ApiKeys.Hash(b.ApiKey);
        row.Json = Write(b with { ApiKey = null, Contracts = [] });
        row.UpdatedAt = now;
        foreach (var c in b.Contracts)
        {
            var contract = await db.Contracts.FindAsync([c.Key], ct);
            if (contract is null) db.Contracts.Add(contract = new ContractRow { Key = c.Key });
            contract.BuyerKey = b.Key;
            contract.CampaignKey = c.Campaign;
            contract.Active = c.Active;
            contract.Json = Write(c);
            contract.UpdatedAt = now;
        }
    }

    private static async Task BumpVersionAsync(LeadHubDbContext db, CancellationToken ct)
    {
        var version = await db.ConfigVersions.FindAsync([1], ct);
        if (version is null) db.ConfigVersions.Add(new ConfigVersionRow { Id = 1, Version = 1 });
        else version.Version++;
    }

    private static string Write<T>(T value) => JsonSerializer.Serialize(value, WorkspaceJson.Options);

    private static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, WorkspaceJson.Options)!;
}
