using System.Text.Json.Nodes;
using LeadHub.Core.Kpis;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Leads;

// Finishes leads a crash left in `routing`: re-routed while they are fresh enough to sell,
// otherwise closed as unsold, each with a trace note saying what happened.
public sealed class LeadRecovery(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    RoutingSnapshotHolder snapshots,
    LeadIntake intake,
    LeadWriter writer,
    NodeIdentity node,
    TimeProvider time,
    IOptions<LeadHubOptions> options,
    ILogger<LeadRecovery> log) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => RecoverAsync(stoppingToken);

    // Leads of an earlier process or a dead node, and (from the housekeeping job) any lead that
    // has been routing far longer than any auction takes, so its routing task must have died.
    public async Task<int> RecoverAsync(CancellationToken ct, TimeSpan? stuckFor = null)
    {
        List<LeadRow> stuck;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // Another node that still beats is routing its own leads: never take those (unless they
            // are far older than any auction, when that node's routing task must have died).
            var live = await Cluster.NodeHeartbeat.LiveNodesAsync(db, node.Id, time.GetUtcNow(),
                TimeSpan.FromSeconds(options.Value.Cluster.NodeTimeoutSeconds), ct);
            var routing = db.Leads.AsNoTracking().Where(l => l.Status == LeadStatus.Routing);
            if (stuckFor is { } age)
            {
                var stuckSince = time.GetUtcNow() - age;
                routing = routing.Where(l => l.Owner == null || (l.Owner != node.Id && !live.Contains(l.Owner)) || l.ReceivedAt < stuckSince);
            }
            else routing = routing.Where(l => l.Owner == null || (l.Owner != node.Id && !live.Contains(l.Owner)));
            stuck = await routing.ToListAsync(ct);
        }
        if (stuck.Count == 0) return 0;
        log.LogWarning("Recovering {Count} leads left routing by an earlier run", stuck.Count);

        var window = TimeSpan.FromSeconds(options.Value.Recovery.RerouteWithinSeconds);
        await Parallel.ForEachAsync(stuck, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (lead, _) => await RecoverOneAsync(lead, window));
        return stuck.Count;
    }

    private async Task RecoverOneAsync(LeadRow lead, TimeSpan window)
    {
        var now = time.GetUtcNow();
        int firstSeq;
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            // Claim it first: whoever else looks at the same stuck lead (another run of this job,
            // another node) finds it taken and leaves it alone.
            var claimed = await db.Leads
                .Where(l => l.Id == lead.Id && l.Status == LeadStatus.Routing && l.Owner == lead.Owner)
                .ExecuteUpdateAsync(u => u.SetProperty(l => l.Owner, node.Id));
            if (claimed == 0) return;
            // The crashed run may have written nothing of its trace; continue after whatever is there.
            firstSeq = (await db.TraceSteps.Where(s => s.LeadId == lead.Id).MaxAsync(s => (int?)s.Seq) ?? -1) + 1;
        }
        var campaign = snapshots.Current.Campaigns.GetValueOrDefault(lead.CampaignKey);
        if (campaign is not null && now - lead.ReceivedAt <= window)
        {
            var note = Note(now, "recovered after restart; routed again");
            // Routing measures its deadline from arrival; a recovered lead gets a fresh one.
            var fresh = new LeadRow
            {
                Id = lead.Id, PublisherKey = lead.PublisherKey, CampaignKey = lead.CampaignKey, Test = lead.Test,
                PingId = lead.PingId, ReceivedAt = now,
            };
            var fields = JsonNode.Parse(lead.FieldsJson)?.AsObject() ?? [];
            // Its figures still belong to the minute and source it arrived in.
            await intake.RouteAsync(fresh, campaign, fields, null, [note], firstSeq, KpiLead.Of(lead));
            return;
        }
        var reason = campaign is null ? "recovered after restart; campaign no longer exists" : "recovered after restart; too old to route again";
        await writer.FinishAsync(new LeadFinish(lead.Id, LeadStatus.Unsold, null, null, null, 0, reason, now,
            [Note(now, reason)], [], firstSeq, KpiLead.Of(lead)));
    }

    private static TraceStep Note(DateTimeOffset at, string reason) =>
        new(TraceKinds.Note, null, null, null, TraceOutcomes.Info, null, null, reason, null, at);
}
