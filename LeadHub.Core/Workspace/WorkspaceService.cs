using LeadHub.Core.Delivery;
using System.Security.Cryptography;
using System.Text.Json;
using LeadHub.Core.Security;
using LeadHub.Core.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LeadHub.Core.Workspace;

// The one way configuration changes: validate whole, save in one transaction with its audit
// rows, bump the version, rebuild the routing snapshot. The admin API, the start-up file, the
// portal and buyer health all go through here. `actor` names who made the change.
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
    private readonly IDataProtector _postbackSigning = dataProtection.CreateProtector(Postbacks.PostbackSignature.Purpose);

    public async Task<IReadOnlyList<WorkspaceError>> ImportAsync(WorkspaceDocument incoming, string actor = "admin-api", CancellationToken ct = default)
    {
        // Null entries in lists first: merging and validating both need every entry to be there.
        IReadOnlyList<WorkspaceError> errors = WorkspaceValidator.CheckNullEntries(incoming);
        if (errors.Count > 0) return errors;

        // Before the transaction: protecting may create a Data Protection key, which is written to
        // this same database by a connection of its own and would wait on our write lock.
        var secrets = await ProtectSecretsAsync(incoming, ct);
        var signing = incoming.Publishers.Where(p => p.Postbacks?.SigningSecret is { Length: > 0 })
            .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => _postbackSigning.Protect(g.Last().Postbacks!.SigningSecret!));

        await ChangeAsync(actor, async (db, current, audit) =>
        {
            var document = WithPauseNotes(KeepStoredUrls(KeepStoredSecrets(incoming, current), current), current, actor);
            errors = WorkspaceValidator.Validate(document, Merge(current, document));
            if (errors.Count > 0) return false;
            foreach (var c in document.Campaigns) await UpsertCampaignAsync(db, c, audit, ct);
            foreach (var p in document.Publishers) await UpsertPublisherAsync(db, p, signing, audit, ct);
            foreach (var b in document.Buyers) await UpsertBuyerAsync(db, b, secrets, audit, ct);
            return true;
        }, ct);
        return errors;
    }

    // The errors an import of `incoming` would report now, checked against the routing snapshot
    // instead of the database: what a form re-checks while it is being fixed. The import itself
    // checks again inside its transaction.
    public IReadOnlyList<WorkspaceError> Check(WorkspaceDocument incoming)
    {
        var nulls = WorkspaceValidator.CheckNullEntries(incoming);
        if (nulls.Count > 0) return nulls;
        var snapshot = holder.Current;
        var current = new WorkspaceDocument
        {
            Campaigns = snapshot.Campaigns.Values.Select(c => c.Config).ToList(),
            Publishers = snapshot.Publishers.Values.Select(p => p.Config).ToList(),
            Buyers = snapshot.Buyers.Values.Select(b => b.Config).ToList(),
        };
        var document = KeepStoredUrls(KeepStoredSecrets(incoming, current), current);
        return WorkspaceValidator.Validate(document, Merge(current, document));
    }

    // Refuses the leads of one sub-id of a publisher from now on (an alert's "block the sub-id").
    // An import of the publisher with the sub-id added: validated, audited and applied like any
    // other change. Null when there is no such publisher; true when it was blocked already.
    public async Task<bool?> BlockSubIdAsync(string publisherKey, string subId, string actor, CancellationToken ct = default)
    {
        if (!holder.Current.Publishers.TryGetValue(publisherKey, out var publisher)) return null;
        if (publisher.Blocks(subId)) return true;
        var config = publisher.Config with { BlockedSubIds = [.. publisher.Config.BlockedSubIds ?? [], subId] };
        var errors = await ImportAsync(new WorkspaceDocument { Publishers = [config] }, actor, ct);
        if (errors.Count > 0) throw new InvalidOperationException($"blocking sub-id: {errors[0].Path} {errors[0].Message}");
        return false;
    }

    // Buyer health's auto-pause of one contract: the same pause as a manager's, by "buyer-health".
    public async Task<bool> SetContractActiveAsync(string contractKey, bool active, string actor = "system", CancellationToken ct = default) =>
        (await SetPausedAsync(PauseKinds.Contract, [contractKey], paused: !active, actor,
            reason: actor == PauseNote.BuyerHealth ? "too many post errors or timeouts today" : null, ct)).Changed.Count > 0;

    // Activates or deactivates one campaign, publisher, buyer or contract as stored (never a
    // form's unsaved edits): the editors' one way to pause and resume. Audited as pause/resume.
    public async Task<ActiveChange> SetActiveAsync(string kind, string key, bool active, string actor, CancellationToken ct = default)
    {
        if (kind is PauseKinds.Buyer or PauseKinds.Contract)
        {
            var done = await SetPausedAsync(kind, [key], !active, actor, reason: null, ct);
            return done.Unknown.Count > 0 ? ActiveChange.NotFound : done.Changed.Count > 0 ? ActiveChange.Changed : ActiveChange.Unchanged;
        }
        var result = ActiveChange.NotFound;
        await ChangeAsync(actor, async (db, _, audit) =>
        {
            var (before, after) = kind switch
            {
                "campaign" => await FlipAsync(db.Campaigns, key, active, r => r.Active, (r, a) => r.Active = a, r => r.Json, (r, j) => r.Json = j,
                    (CampaignConfig c) => c with { Active = active }, ct),
                "publisher" => await FlipAsync(db.Publishers, key, active, r => r.Active, (r, a) => r.Active = a, r => r.Json, (r, j) => r.Json = j,
                    (PublisherConfig c) => c with { Active = active }, ct),
                _ => (null, null),
            };
            if (before is null) return false;
            if (after is null)
            {
                result = ActiveChange.Unchanged;
                return false;
            }
            Record(audit, active ? "resume" : "pause", kind, key, before, after);
            result = ActiveChange.Changed;
            return true;
        }, ct);
        return result;
    }

    // (stored JSON, new JSON): (null, null) when there is no such row, (json, null) when it already is as asked.
    private static async Task<(string? Before, string? After)> FlipAsync<TRow, TConfig>(DbSet<TRow> rows, string key, bool active,
        Func<TRow, bool> isActive, Action<TRow, bool> setActive, Func<TRow, string> json, Action<TRow, string> setJson,
        Func<TConfig, TConfig> change, CancellationToken ct) where TRow : class
    {
        var row = await rows.FindAsync([key], ct);
        if (row is null) return (null, null);
        var before = json(row);
        if (isActive(row) == active) return (before, null);
        var after = Write(change(Read<TConfig>(before)));
        setJson(row, after);
        setActive(row, active);
        return (before, after);
    }

    // Bulk pause/resume of buyers (a segment, the reject review).
    public async Task<int> SetBuyersActiveAsync(IReadOnlyCollection<string> buyerKeys, bool active, string actor, CancellationToken ct = default) =>
        (await SetPausedAsync(PauseKinds.Buyer, buyerKeys, !active, actor,
            reason: actor == PauseNote.RejectReview ? "reject rate above the review's threshold" : null, ct)).Changed.Count;

    // THE way buyers and contracts are paused and resumed, by a manager (one or many, with a
    // reason), a segment, or a job: Active and the pause note (who, when, why) change together,
    // one audit entry per buyer or contract that changed. An unknown key changes nothing at all.
    public async Task<BulkChange> SetPausedAsync(string kind, IReadOnlyCollection<string> keys, bool paused, string actor,
        string? reason, CancellationToken ct = default)
    {
        var note = paused ? new PauseNote(actor, time.GetUtcNow(), string.IsNullOrWhiteSpace(reason) ? null : reason.Trim()) : null;
        return await BulkUpdateAsync(kind, keys, actor, paused ? "pause" : "resume",
            c => c.Active == !paused ? c : c with { Active = !paused, Paused = note },
            b => b.Active == !paused ? b : b with { Active = !paused, Paused = note }, ct);
    }

    // A manager's bulk edit of several buyers or contracts, from the portal or the admin API.
    // A pause needs a reason; a floor applies to ping-post contracts only (a direct-post
    // contract has a fixed price and is skipped).
    public async Task<BulkChange> BulkEditAsync(string kind, IReadOnlyCollection<string> keys, BulkEdit edit, string actor, CancellationToken ct = default)
    {
        static BulkChange Refuse(string path, string message) => new([], [], [new WorkspaceError(path, message)]);
        if (kind is not (PauseKinds.Buyer or PauseKinds.Contract)) return Refuse("$.kind", "must be buyer or contract");
        if (keys.Count == 0) return Refuse("$.keys", $"pick at least one {kind}");
        switch (edit.Action)
        {
            case BulkActions.Pause when string.IsNullOrWhiteSpace(edit.Reason):
                return Refuse("$.reason", "say why they are paused: the reason is shown in their status");
            case BulkActions.Pause:
                return await SetPausedAsync(kind, keys, paused: true, actor, edit.Reason, ct);
            case BulkActions.Resume:
                return await SetPausedAsync(kind, keys, paused: false, actor, null, ct);
            case BulkActions.SetMinBid when kind != PauseKinds.Contract:
                return Refuse("$.action", "a floor (min bid) is set on contracts, not buyers");
            case BulkActions.SetMinBid when edit.MinBid is < 0:
                return Refuse("$.minBid", "must not be negative");
            case BulkActions.SetMinBid when edit.MinBid is { } m && decimal.Round(m, 2) != m:
                return Refuse("$.minBid", "at most 2 decimals");
            case BulkActions.SetMinBid:
                return await BulkUpdateAsync(kind, keys, actor, "set min bid",
                    c => c.Mode == ContractModes.DirectPost ? c : c with { MinBid = edit.MinBid }, null, ct);
            case BulkActions.SetCaps:
                var caps = edit.Caps is { Hourly: null, Daily: null, Weekly: null, Monthly: null, DailyBudget: null } ? null : edit.Caps;
                return await BulkUpdateAsync(kind, keys, actor, "set caps", c => c with { Caps = caps }, b => b with { Caps = caps }, ct);
            default:
                return Refuse("$.action", $"must be one of {string.Join(", ", BulkActions.All)}");
        }
    }

    // The same change to many contracts or buyers (bulk floor, bulk caps): validated whole like an
    // import, saved in one transaction, one audit entry per object that changed. A change that
    // leaves an object as it was (e.g. a floor on a direct-post contract) skips it.
    public async Task<BulkChange> BulkUpdateAsync(string kind, IReadOnlyCollection<string> keys, string actor, string action,
        Func<ContractConfig, ContractConfig>? contractChange, Func<BuyerConfig, BuyerConfig>? buyerChange, CancellationToken ct = default)
    {
        var result = new BulkChange([], [], []);
        var wanted = keys.Distinct(StringComparer.Ordinal).ToList();
        await ChangeAsync(actor, async (db, current, audit) =>
        {
            var contracts = current.Buyers.SelectMany(b => b.Contracts).ToDictionary(c => c.Key);
            var buyers = current.Buyers.ToDictionary(b => b.Key);
            var unknown = wanted.Where(k => kind == PauseKinds.Contract ? !contracts.ContainsKey(k) : !buyers.ContainsKey(k)).ToList();
            if (unknown.Count > 0 || kind is not (PauseKinds.Contract or PauseKinds.Buyer))
            {
                result = result with { Unknown = kind is PauseKinds.Contract or PauseKinds.Buyer ? unknown : wanted };
                return false;
            }
            var changed = new List<string>();
            var document = new WorkspaceDocument
            {
                Buyers = current.Buyers.Select(b =>
                {
                    var buyer = b;
                    if (kind == PauseKinds.Buyer && wanted.Contains(b.Key) && buyerChange is not null)
                    {
                        buyer = buyerChange(b);
                        if (buyer != b) changed.Add(b.Key);
                    }
                    if (kind == PauseKinds.Contract && contractChange is not null)
                        buyer = buyer with
                        {
                            Contracts = buyer.Contracts.Select(c =>
                            {
                                if (!wanted.Contains(c.Key)) return c;
                                var next = contractChange(c);
                                if (next != c) changed.Add(c.Key);
                                return next;
                            }).ToList(),
                        };
                    return buyer;
                }).Where(b => kind == PauseKinds.Buyer ? changed.Contains(b.Key) : b.Contracts.Any(c => changed.Contains(c.Key))).ToList(),
            };
            if (changed.Count == 0) return false;
            // Only what this change breaks refuses it: a stored problem elsewhere in these buyers
            // (say, from an older version's rules) must not stop a pause or a new floor.
            var touched = document.Buyers.Select(b => b.Key).ToHashSet();
            var before = new WorkspaceDocument { Buyers = current.Buyers.Where(b => touched.Contains(b.Key)).ToList() };
            var known = WorkspaceValidator.Validate(before, current).ToHashSet();
            var errors = WorkspaceValidator.Validate(document, Merge(current, document)).Where(e => !known.Contains(e))
                .Select(e => NamedByKey(e, document)).ToList();
            if (errors.Count > 0)
            {
                result = result with { Errors = errors };
                return false;
            }
            foreach (var key in changed)
            {
                if (kind == PauseKinds.Contract)
                {
                    var row = await db.Contracts.FindAsync([key], ct);
                    var next = document.Buyers.SelectMany(b => b.Contracts).First(c => c.Key == key);
                    Record(audit, action, kind, key, row!.Json, row.Json = Write(Read<ContractConfig>(row.Json) with
                    {
                        // The stored format keeps its credentials as stored; the change never touches it.
                        Active = next.Active, Paused = next.Paused, MinBid = next.MinBid, Caps = next.Caps,
                    }));
                    row.Active = next.Active;
                }
                else
                {
                    var row = await db.Buyers.FindAsync([key], ct);
                    var next = document.Buyers.First(b => b.Key == key);
                    Record(audit, action, kind, key, row!.Json, row.Json = Write(Read<BuyerConfig>(row.Json) with
                    {
                        Active = next.Active, Paused = next.Paused, Caps = next.Caps,
                    }));
                    row.Active = next.Active;
                }
            }
            result = result with { Changed = changed };
            return true;
        }, ct);
        return result;
    }

    // A new API key for a publisher or buyer; the clear key is returned once and never stored.
    public async Task<string?> RotateApiKeyAsync(string kind, string key, string actor, CancellationToken ct = default)
    {
        var fresh = ApiKeys.NewKey();
        var done = await ChangeAsync(actor, async (db, _, audit) =>
        {
            if (!await SetKeyHashAsync(db, kind, key, ApiKeys.Hash(fresh), ct)) return false;
            Record(audit, "rotate api key", kind, key, null, null);
            return true;
        }, ct);
        return done ? fresh : null;
    }

    public async Task<bool> RevokeApiKeyAsync(string kind, string key, string actor, CancellationToken ct = default) =>
        await ChangeAsync(actor, async (db, _, audit) =>
        {
            if (!await SetKeyHashAsync(db, kind, key, null, ct)) return false;
            Record(audit, "revoke api key", kind, key, null, null);
            return true;
        }, ct);

    private static async Task<bool> SetKeyHashAsync(LeadHubDbContext db, string kind, string key, string? hash, CancellationToken ct)
    {
        if (kind == "publisher" && await db.Publishers.FindAsync([key], ct) is { } publisher)
        {
            publisher.ApiKeyHash = hash;
            return true;
        }
        if (kind == "buyer" && await db.Buyers.FindAsync([key], ct) is { } buyer)
        {
            buyer.ApiKeyHash = hash;
            return true;
        }
        return false;
    }

    // Deleting what leads or contracts still refer to would rewrite history: it is refused
    // with the reason, and the manager deactivates it instead. Null means deleted.
    public async Task<string?> DeleteAsync(string kind, string key, string actor, CancellationToken ct = default)
    {
        string? refusal = null;
        await ChangeAsync(actor, async (db, _, audit) =>
        {
            refusal = kind switch
            {
                "campaign" => await db.Contracts.AnyAsync(c => c.CampaignKey == key, ct) ? "it has contracts; deactivate it instead"
                    : await db.Leads.AnyAsync(l => l.CampaignKey == key, ct) ? "it has leads; deactivate it instead" : null,
                "publisher" => await db.Leads.AnyAsync(l => l.PublisherKey == key, ct) ? "it has posted leads; deactivate it instead" : null,
                "buyer" => await db.Leads.AnyAsync(l => l.BuyerKey == key, ct) ? "it has bought leads; deactivate it instead" : null,
                "contract" => await db.Leads.AnyAsync(l => l.ContractKey == key, ct) ? "it has sold leads; deactivate it instead" : null,
                _ => "unknown kind",
            };
            if (refusal is not null) return false;
            var json = kind switch
            {
                "campaign" => await RemoveAsync(db.Campaigns, key, r => r.Json, ct),
                "publisher" => await RemoveAsync(db.Publishers, key, r => r.Json, ct),
                "contract" => await RemoveAsync(db.Contracts, key, r => r.Json, ct),
                _ => await RemoveBuyerAsync(db, key, ct),
            };
            if (json is null)
            {
                refusal = $"there is no {kind} '{key}'";
                return false;
            }
            Record(audit, "delete", kind, key, json, null);
            return true;
        }, ct);
        return refusal;
    }

    // What the admin API, the portal and the demo see: buyer URLs without their credentials.
    public async Task<WorkspaceDocument> ExportAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var doc = await LoadAsync(db, ct);
        return doc with
        {
            Buyers = doc.Buyers.Select(b => b with
            {
                Contracts = b.Contracts.Select(c => c with { PingUrl = UrlCredentials.Redact(c.PingUrl), PostUrl = UrlCredentials.Redact(c.PostUrl) }).ToList(),
            }).ToList(),
        };
    }

    public async Task ReloadAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // The version first: a change committed while the rest is read makes this snapshot look
        // older than it is (and another reload follows), never newer.
        var version = await db.ConfigVersions.AsNoTracking().Where(v => v.Id == 1).Select(v => v.Version).FirstOrDefaultAsync(ct);
        var doc = await LoadAsync(db, ct);
        var publisherHashes = await db.Publishers.Where(p => p.ApiKeyHash != null).ToDictionaryAsync(p => p.Key, p => p.ApiKeyHash!, ct);
        var buyerHashes = await db.Buyers.Where(p => p.ApiKeyHash != null).ToDictionaryAsync(p => p.Key, p => p.ApiKeyHash!, ct);
        holder.Swap(new RoutingSnapshot(doc, publisherHashes, buyerHashes, version, await ContractSecretsAsync(db, ct)));
    }

    // Decrypted once per snapshot, not per request.
    private async Task<Dictionary<string, ContractSecrets>> ContractSecretsAsync(LeadHubDbContext db, CancellationToken ct,
        IReadOnlyCollection<string>? only = null)
    {
        var secrets = new Dictionary<string, ContractSecrets>();
        var rows = db.Contracts.AsNoTracking().Where(c => c.AuthSecret != null);
        if (only is not null) rows = rows.Where(c => only.Contains(c.Key));
        var stored = await rows.Select(c => new { c.Key, c.AuthSecret }).ToListAsync(ct);
        foreach (var row in stored)
        {
            try
            {
                secrets[row.Key] = ContractSecrets.FromJson(_credentials.Unprotect(row.AuthSecret!));
            }
            catch (CryptographicException)
            {
                // The contract still routes, without credentials: its buyer will refuse, and the trace shows it.
                log.LogError("The credentials of contract {Contract} cannot be decrypted (lost Data Protection keys?); import them again", row.Key);
            }
        }
        return secrets;
    }

    // Each contract's secrets as they will be after the import (what it brings over what is stored),
    // protected, for the contracts whose document has any: `auth` or `format.secrets`.
    private async Task<Dictionary<string, string>> ProtectSecretsAsync(WorkspaceDocument incoming, CancellationToken ct)
    {
        var contracts = incoming.Buyers.SelectMany(b => b.Contracts)
            .Where(c => c.Format?.Auth is not null || c.Format?.Secrets is { Count: > 0 })
            .GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Last());
        if (contracts.Count == 0) return [];
        Dictionary<string, ContractSecrets> stored;
        await using (var db = await dbFactory.CreateDbContextAsync(ct)) stored = await ContractSecretsAsync(db, ct, contracts.Keys);
        return contracts.ToDictionary(p => p.Key, p =>
        {
            var format = p.Value.Format!;
            var before = stored.GetValueOrDefault(p.Key) ?? ContractSecrets.None;
            var named = (format.Secrets ?? []).Select(s => (s.Key, Value: s.Value ?? before.Named.GetValueOrDefault(s.Key)))
                .Where(s => s.Value is not null).ToDictionary(s => s.Key, s => s.Value!);
            return _credentials.Protect(new ContractSecrets(format.Auth?.Secret ?? (format.Auth is null ? null : before.Auth), named).ToJson());
        });
    }

    // An import without the secret (an export, say) keeps the one stored for the same contract and
    // auth type; the *Set flags say which is which, whatever the document claimed. A named secret
    // left null that is not stored is dropped, so a template that uses it is refused by name.
    private static WorkspaceDocument KeepStoredSecrets(WorkspaceDocument incoming, WorkspaceDocument current)
    {
        var contracts = current.Buyers.SelectMany(b => b.Contracts).ToDictionary(c => c.Key);
        ContractConfig Keep(ContractConfig c)
        {
            if (c.Format is null) return c;
            var before = contracts.GetValueOrDefault(c.Key)?.Format;
            var format = c.Format;
            if (format.Secrets is { } named)
            {
                format = format with
                {
                    Secrets = named.Where(s => s.Value is not null || before?.Secrets?.ContainsKey(s.Key) == true).ToDictionary(),
                };
            }
            if (format.Auth is not { Secret: null } auth) return c with { Format = format };
            var keep = before?.Auth?.SecretSet == true && before.Auth.Type == auth.Type;
            return c with
            {
                Format = format with
                {
                    Auth = auth with { PasswordSet = keep && auth.Type == AuthTypes.Basic, TokenSet = keep && auth.Type == AuthTypes.Bearer },
                },
            };
        }
        return incoming with { Buyers = incoming.Buyers.Select(b => b with { Contracts = b.Contracts.Select(Keep).ToList() }).ToList() };
    }

    // An exported URL comes back redacted ("https://***@host/ping"): where it is exactly the
    // redacted form of the stored URL, the stored one (with its credentials) is kept. Any other
    // URL with *** is refused by validation: keeping credentials for a changed host would send
    // them wherever the person editing (who cannot see them) points it.
    private static WorkspaceDocument KeepStoredUrls(WorkspaceDocument incoming, WorkspaceDocument current)
    {
        var stored = current.Buyers.SelectMany(b => b.Contracts).ToDictionary(c => c.Key);
        static string? Keep(string? url, string? storedUrl) =>
            UrlCredentials.IsRedacted(url) && storedUrl is not null && url == UrlCredentials.Redact(storedUrl) ? storedUrl : url;
        ContractConfig Restore(ContractConfig c) => stored.TryGetValue(c.Key, out var s)
            ? c with { PingUrl = Keep(c.PingUrl, s.PingUrl), PostUrl = Keep(c.PostUrl, s.PostUrl) }
            : c;
        return incoming with { Buyers = incoming.Buyers.Select(b => b with { Contracts = b.Contracts.Select(Restore).ToList() }).ToList() };
    }

    // One change: serialised, in a transaction with its audit rows; the snapshot is rebuilt
    // only if `apply` says something changed.
    private async Task<bool> ChangeAsync(string actor, Func<LeadHubDbContext, WorkspaceDocument, List<AuditRow>, Task<bool>> apply,
        CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // Bumping the version first locks its row: a change made on another node at the same
            // moment waits, so each change applies to what the previous one committed.
            await db.ConfigVersions.Where(v => v.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(v => v.Version, v => v.Version + 1), ct);
            var current = await LoadAsync(db, ct);
            var audit = new List<AuditRow>();
            if (!await apply(db, current, audit)) return false;
            var now = time.GetUtcNow();
            foreach (var row in audit)
            {
                row.At = now;
                row.Actor = actor;
            }
            db.Audit.AddRange(audit);
            foreach (var entry in db.ChangeTracker.Entries().Where(e => e.State is EntityState.Added or EntityState.Modified))
            {
                if (entry.Metadata.FindProperty("UpdatedAt") is not null) entry.Property("UpdatedAt").CurrentValue = now;
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            await ReloadAsync(ct);
            return true;
        }
        finally
        {
            _gate.Release();
        }
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

    // "$.buyers[0].contracts[2].maxBid" reads "acme-auto.maxBid" in a bulk edit's refusal, and its
    // message names the contract or buyer: the manager picked keys, not positions.
    private static WorkspaceError NamedByKey(WorkspaceError error, WorkspaceDocument document)
    {
        var m = System.Text.RegularExpressions.Regex.Match(error.Path, @"^\$\.buyers\[(\d+)\](?:\.contracts\[(\d+)\])?\.?(.*)$");
        if (!m.Success || int.Parse(m.Groups[1].Value) is var b && b >= document.Buyers.Count) return error;
        var buyer = document.Buyers[b];
        var key = buyer.Key;
        if (m.Groups[2].Success)
        {
            var c = int.Parse(m.Groups[2].Value);
            if (c >= buyer.Contracts.Count) return error;
            key = buyer.Contracts[c].Key;
        }
        var field = m.Groups[3].Value;
        return new WorkspaceError(field.Length == 0 ? key : $"{key}.{field}", $"{key}: {field} {error.Message}".Replace(":  ", ": "));
    }

    // An import or an editor's save that pauses something notes who paused it (a file seldom says
    // why); a paused object keeps its note; an active one has none.
    private WorkspaceDocument WithPauseNotes(WorkspaceDocument incoming, WorkspaceDocument current, string actor)
    {
        var now = time.GetUtcNow();
        var storedBuyers = current.Buyers.ToDictionary(b => b.Key);
        var storedContracts = current.Buyers.SelectMany(b => b.Contracts).ToDictionary(c => c.Key);
        PauseNote? NoteOf(bool active, PauseNote? given, bool? storedActive, PauseNote? stored) =>
            active ? null : given ?? (storedActive == false ? stored : null) ?? new PauseNote(actor, now, null);
        return incoming with
        {
            Buyers = incoming.Buyers.Select(b =>
            {
                var stored = storedBuyers.GetValueOrDefault(b.Key);
                return b with
                {
                    Paused = NoteOf(b.Active, b.Paused, stored?.Active, stored?.Paused),
                    Contracts = b.Contracts.Select(c =>
                    {
                        var storedContract = storedContracts.GetValueOrDefault(c.Key);
                        return c with { Paused = NoteOf(c.Active, c.Paused, storedContract?.Active, storedContract?.Paused) };
                    }).ToList(),
                };
            }).ToList(),
        };
    }

    private static async Task UpsertCampaignAsync(LeadHubDbContext db, CampaignConfig c, List<AuditRow> audit, CancellationToken ct)
    {
        var row = await db.Campaigns.FindAsync([c.Key], ct);
        if (row is null) db.Campaigns.Add(row = new CampaignRow { Key = c.Key });
        row.Name = c.Name;
        row.Active = c.Active;
        Record(audit, "campaign", c.Key, row.Json, row.Json = Write(c));
    }

    // `signing`: the protected postback signing secrets of the publishers that bring a new one.
    private static async Task UpsertPublisherAsync(LeadHubDbContext db, PublisherConfig p, Dictionary<string, string> signing,
        List<AuditRow> audit, CancellationToken ct)
    {
        var row = await db.Publishers.FindAsync([p.Key], ct);
        if (row is null) db.Publishers.Add(row = new PublisherRow { Key = p.Key });
        row.Name = p.Name;
        row.Active = p.Active;
        // An export carries no key, so re-importing it keeps the key that is set.
        if (p.ApiKey is not null)
        {
            row.ApiKeyHash = ApiKeys.Hash(p.ApiKey);
            Record(audit, "set api key", "publisher", p.Key, null, null);
        }
        // Like the key: an export carries no signing secret, so re-importing it keeps the one stored; "" removes it.
        if (p.Postbacks?.SigningSecret is { } secret)
        {
            row.PostbackSecret = secret.Length == 0 ? null : signing[p.Key];
            Record(audit, secret.Length == 0 ? "remove postback secret" : "set postback secret", "publisher", p.Key, null, null);
        }
        var postbacks = p.Postbacks is null ? null : p.Postbacks with { SigningSecret = null, SigningSecretSet = row.PostbackSecret is not null };
        Record(audit, "publisher", p.Key, row.Json, row.Json = Write(p with { ApiKey = null, Postbacks = postbacks }));
    }

    // `secrets`: the protected secrets of the contracts that bring a new one.
    private static async Task UpsertBuyerAsync(LeadHubDbContext db, BuyerConfig b, Dictionary<string, string> secrets,
        List<AuditRow> audit, CancellationToken ct)
    {
        var row = await db.Buyers.FindAsync([b.Key], ct);
        if (row is null) db.Buyers.Add(row = new BuyerRow { Key = b.Key });
        row.Name = b.Name;
        row.Active = b.Active;
        if (b.ApiKey is not null)
        {
            row.ApiKeyHash = ApiKeys.Hash(b.ApiKey);
            Record(audit, "set api key", "buyer", b.Key, null, null);
        }
        Record(audit, "buyer", b.Key, row.Json, row.Json = Write(b with { ApiKey = null, Contracts = [] }));
        foreach (var c in b.Contracts)
        {
            var contract = await db.Contracts.FindAsync([c.Key], ct);
            if (contract is null) db.Contracts.Add(contract = new ContractRow { Key = c.Key });
            contract.BuyerKey = b.Key;
            contract.CampaignKey = c.Campaign;
            contract.Active = c.Active;
            // The secrets as merged before the transaction (ProtectSecretsAsync); none in the document, none stored.
            var auth = c.Format?.Auth;
            if (!secrets.TryGetValue(c.Key, out var secret)) contract.AuthSecret = null;
            else if (c.Format!.HasSecretValues)
            {
                contract.AuthSecret = secret;
                Record(audit, "set credentials", "contract", c.Key, null, null);
            }
            else contract.AuthSecret = secret;
            var json = Write(c.Format is null ? c : c with
            {
                Format = c.Format.WithoutSecretValues() with { Auth = auth?.WithoutSecrets(contract.AuthSecret is not null) },
            });
            Record(audit, "contract", c.Key, contract.Json, contract.Json = json);
        }
    }

    private static async Task<string?> RemoveAsync<T>(DbSet<T> set, string key, Func<T, string> json, CancellationToken ct) where T : class
    {
        var row = await set.FindAsync([key], ct);
        if (row is null) return null;
        set.Remove(row);
        return json(row);
    }

    private static async Task<string?> RemoveBuyerAsync(LeadHubDbContext db, string key, CancellationToken ct)
    {
        var row = await db.Buyers.FindAsync([key], ct);
        if (row is null) return null;
        db.Contracts.RemoveRange(await db.Contracts.Where(c => c.BuyerKey == key).ToListAsync(ct));
        db.Buyers.Remove(row);
        return row.Json;
    }

    // An upsert is audited only when it changes something; a new object has no "before".
    private static void Record(List<AuditRow> audit, string type, string key, string before, string after)
    {
        if (before == after) return;
        Record(audit, before.Length == 0 ? "create" : "update", type, key, before.Length == 0 ? null : before, after);
    }

    // The audit log is read in the portal: URL credentials are not written into it.
    private static void Record(List<AuditRow> audit, string action, string type, string key, string? before, string? after) =>
        audit.Add(new AuditRow
        {
            Action = action, EntityType = type, EntityKey = key, Before = UrlCredentials.Redact(before), After = UrlCredentials.Redact(after),
        });

    private static string Write<T>(T value) => JsonSerializer.Serialize(value, WorkspaceJson.Options);

    private static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, WorkspaceJson.Options)!;
}

public enum ActiveChange { NotFound, Unchanged, Changed }

public static class BulkActions
{
    public const string Pause = "pause", Resume = "resume", SetMinBid = "set-min-bid", SetCaps = "set-caps";

    public static readonly IReadOnlyList<string> All = [Pause, Resume, SetMinBid, SetCaps];
}

// One bulk edit: what to do, and its value (a pause's reason, the new floor, the new caps; null caps = none).
public sealed record BulkEdit(string Action, string? Reason = null, decimal? MinBid = null, CapsConfig? Caps = null);

public static class PauseKinds
{
    public const string Buyer = "buyer", Contract = "contract";
}

// What a bulk change did: the keys it changed (one audit entry each), the keys that do not
// exist (nothing changed), or the validation errors (nothing changed).
public sealed record BulkChange(IReadOnlyList<string> Changed, IReadOnlyList<string> Unknown, IReadOnlyList<WorkspaceError> Errors)
{
    public bool Refused => Unknown.Count > 0 || Errors.Count > 0;
}
