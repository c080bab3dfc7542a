using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Cluster;

// A change saved on one node bumps the configuration version in the database; every node
// compares it with its routing snapshot's a few times a second and reloads when it moved.
// One primary-key read per interval: cheaper than a notification channel and works on any provider.
public sealed class ConfigWatcher(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    RoutingSnapshotHolder snapshots,
    WorkspaceService workspace,
    TimeProvider time,
    IOptions<LeadHubOptions> options,
    ILogger<ConfigWatcher> log) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Periodic.RunAsync(TimeSpan.FromMilliseconds(options.Value.Cluster.ConfigPollMilliseconds), time, CheckAsync, log,
            "Configuration version check", stoppingToken);

    public async Task<bool> CheckAsync(CancellationToken ct = default)
    {
        long version;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            version = await db.ConfigVersions.AsNoTracking().Where(v => v.Id == 1).Select(v => v.Version).FirstOrDefaultAsync(ct);
        if (version == snapshots.Current.Version) return false;
        log.LogInformation("Configuration version {Version} saved elsewhere; reloading the routing snapshot", version);
        await workspace.ReloadAsync(ct);
        return true;
    }
}
