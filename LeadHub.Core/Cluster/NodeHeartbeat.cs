using LeadHub.Core.Leads;
using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Cluster;

// Each node says it is alive every few seconds, so recovery on another node can tell a lead
// this node is still routing from one a crashed node left behind.
public sealed class NodeHeartbeat(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    NodeIdentity node,
    TimeProvider time,
    IOptions<LeadHubOptions> options,
    ILogger<NodeHeartbeat> log) : BackgroundService
{
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    // The first beat before the node takes traffic: no other node's recovery may take its first leads.
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await BeatAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Periodic.RunAsync(TimeSpan.FromSeconds(options.Value.Cluster.HeartbeatSeconds), time, BeatAsync, log, "Heartbeat", stoppingToken);

    // A node that stops cleanly leaves at once: whatever it left routing is recoverable without waiting.
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await db.Nodes.Where(n => n.Id == node.Id).ExecuteDeleteAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Could not remove this node's heartbeat");
        }
    }

    public async Task BeatAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var updated = await db.Nodes.Where(n => n.Id == node.Id).ExecuteUpdateAsync(s => s.SetProperty(n => n.SeenAt, now), ct);
        if (updated > 0) return;
        db.Nodes.Add(new NodeRow
        {
            Id = node.Id, Machine = Environment.MachineName, ProcessId = Environment.ProcessId, StartedAt = _startedAt, SeenAt = now,
        });
        // Nodes gone for a day are only clutter.
        await db.Nodes.Where(n => n.SeenAt < now.AddDays(-1)).ExecuteDeleteAsync(ct);
        await db.SaveChangesAsync(ct);
    }

    // The other nodes that beat recently enough to be routing their own leads. A node on this
    // machine whose process is gone is dead at once: a crashed single node restarted at once
    // recovers its leads without waiting for the timeout.
    public static async Task<List<string>> LiveNodesAsync(LeadHubDbContext db, string self, DateTimeOffset now, TimeSpan timeout,
        CancellationToken ct = default)
    {
        var since = now - timeout;
        var recent = await db.Nodes.AsNoTracking().Where(n => n.SeenAt >= since && n.Id != self).ToListAsync(ct);
        return recent.Where(n => n.Machine != Environment.MachineName || ProcessRuns(n.ProcessId)).Select(n => n.Id).ToList();
    }

    private static bool ProcessRuns(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
