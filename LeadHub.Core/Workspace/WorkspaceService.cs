using System.Security.Cryptography;
using System.Text.Json;
using LeadHub.Core.Security;
using LeadHub.Core.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LeadHub.Core.Workspace;

// The one way configuration changes: validate whole, save in one transaction, bump the version,
// rebuild the routing snapshot. The admin API, the start-up file and (later) the portal use it.
public sealed class WorkspaceService(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    RoutingSnapshotHolder holder,
    TimeProvider time,
    IDataProtectionProvider dataProtection,
    ILogger<WorkspaceService> log)
{
    public const string CredentialsPurpose = "LeadHub.BuyerCredentials";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IDataProtector _credentials = dataProtection.CreateProtector(CredentialsPurpose);

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
            incoming = KeepStoredSecrets(incoming, current);
            errors = WorkspaceValidator.Validate(incoming, Merge(current, incoming));
            if (errors.Count > 0) return errors;

            // Before the transaction: protecting may create a Data Protection key, which is written to
            // this same database by a connection of its own and would wait on our write lock.
            var secrets = incoming.Buyers.SelectMany(b => b.Contracts)
                .Where(c => c.Format?.Auth?.Secret is not null)
                .ToDictionary(c => c.Key, c => _credentials.Protect(c.Format!.Auth!.Secret!));

            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var now = time.GetUtcNow();
            foreach (var c in incoming.Campaigns) await UpsertCampaignAsync(db, c, now, ct);
            foreach (var p in incoming.Publishers) await UpsertPublisherAsync(db, p, now, ct);
            foreach (var b in incoming.Buyers) await UpsertBuyerAsync(db, b, secrets, now, ct);
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
        holder.Swap(new RoutingSnapshot(doc, publisherHashes, buyerHashes, version, await ContractSecretsAsync(db, ct)));
    }

    // Decrypted once per snapshot, not per request.
    private async Task<Dictionary<string, string>> ContractSecretsAsync(LeadHubDbContext db, CancellationToken ct)
    {
        var secrets = new Dictionary<string, string>();
        var stored = await db.Contracts.AsNoTracking().Where(c => c.AuthSecret != null).Select(c => new { c.Key, c.AuthSecret }).ToListAsync(ct);
        foreach (var row in stored)
        {
            try
            {
                secrets[row.Key] = _credentials.Unprotect(row.AuthSecret!);
            }
            catch (CryptographicException)
            {
                // The contract still routes, without credentials: its buyer will refuse, and the trace shows it.
                log.LogError("The credentials of contract {Contract} cannot be decrypted (lost Data Protection keys?); import them again", row.Key);
            }
        }
        return secrets;
    }

    // An import without the secret (an export, say) keeps the one stored for the same contract and
    // auth type; the *Set flags say which is which, whatever the document claimed.
    private static WorkspaceDocument KeepStoredSecrets(WorkspaceDocument incoming, WorkspaceDocument current)
    {
        var stored = current.Buyers.SelectMany(b => b.Contracts)
            .Where(c => c.Format?.Auth?.SecretSet == true)
            .ToDictionary(c => c.Key, c => c.Format!.Auth!.Type);
        ContractConfig Keep(ContractConfig c)
        {
            if (c.Format?.Auth is not { Secret: null } auth) return c;
            var keep = stored.GetValueOrDefault(c.Key) == auth.Type;
            return c with
            {
                Format = c.Format with
                {
                    Auth = auth with { PasswordSet = keep && auth.Type == AuthTypes.Basic, TokenSet = keep && auth.Type == AuthTypes.Bearer },
                },
            };
        }
        return incoming with { Buyers = incoming.Buyers.Select(b => b with { Contracts = b.Contracts.Select(Keep).ToList() }).ToList() };
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

    // `secrets`: the protected secrets of the contracts that bring a new one.
    private static async Task UpsertBuyerAsync(LeadHubDbContext db, BuyerConfig b, Dictionary<string, string> secrets,
        DateTimeOffset now, CancellationToken ct)
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
            // No secret on import means keep the stored one (KeepStoredSecrets checked there is one).
            var auth = c.Format?.Auth;
            if (auth is null) contract.AuthSecret = null;
            else if (secrets.TryGetValue(c.Key, out var secret)) contract.AuthSecret = secret;
            contract.Json = Write(auth is null ? c : c with { Format = c.Format! with { Auth = auth.WithoutSecrets(contract.AuthSecret is not null) } });
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
