using System.Text.Json;
using LeadHub.Core.Routing;
using LeadHub.Core.Security;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadHub.Core;

// Runs before the app takes traffic: schema up to date, workspace file imported, routing
// snapshot built and cap counters loaded, so the first lead is routed like any other.
public sealed class LeadHubStartup(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    WorkspaceService workspace,
    ICapLedger caps,
    TimeProvider time,
    IOptions<LeadHubOptions> options,
    KeyRingStatus keyRing,
    Suppression.SuppressionLists suppression,
    SqliteNodeLock nodeLock,
    ILogger<LeadHubStartup> log)
{
    public async Task InitializeAsync(CancellationToken ct = default)
    {
        // Before anything is read into memory that only one node may hold (SqliteNodeLock).
        nodeLock.Take();
        if (keyRing.CertificateThumbprint is { } thumbprint)
            log.LogInformation("Data Protection keys are encrypted with certificate {Thumbprint}", thumbprint);
        else
            log.LogWarning("Data Protection keys, which encrypt buyer credentials, are stored UNENCRYPTED in the database next to them. " +
                           "Set {Section}:CertificatePath (+ CertificatePassword) or {Section}:CertificateThumbprint to protect them",
                KeyRingProtection.Section, KeyRingProtection.Section);

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await db.Database.MigrateAsync(ct);
            // Counters older than a month and a week cannot matter to any cap period.
            var since = time.GetUtcNow().AddDays(-40);
            var counters = await db.CapCounters.AsNoTracking().Where(c => c.UpdatedAt >= since).ToListAsync(ct);
            caps.Seed(counters.Select(c => new CapIncrement(c.Key, c.Count, c.Amount)));
        }

        if (options.Value.WorkspaceFile is { Length: > 0 } file) await ImportFileAsync(file, ct);
        else await workspace.ReloadAsync(ct);
        await suppression.ReloadAsync(ct);
    }

    private async Task ImportFileAsync(string file, CancellationToken ct)
    {
        WorkspaceDocument doc;
        await using (var stream = File.OpenRead(file))
            doc = await JsonSerializer.DeserializeAsync<WorkspaceDocument>(stream, WorkspaceJson.ImportOptions, ct)
                  ?? throw new InvalidOperationException($"Workspace file {file} is empty");
        var errors = await workspace.ImportAsync(doc, "workspace-file", ct);
        if (errors.Count > 0)
            throw new InvalidOperationException($"Workspace file {file} is invalid:\n" +
                                                string.Join("\n", errors.Select(e => $"  {e.Path}: {e.Message}")));
        log.LogInformation("Imported workspace file {File}", file);
    }
}
