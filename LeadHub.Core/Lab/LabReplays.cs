using System.Text.Json;
using System.Text.Json.Serialization;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LeadHub.Core.Lab;

// A replay a manager asked for, its progress and its result (table LabReplays).
public sealed class LabReplayRow
{
    public Guid Id { get; set; }
    public string CampaignKey { get; set; } = "";
    public DateTimeOffset From { get; set; }
    public DateTimeOffset To { get; set; }
    public string PlanJson { get; set; } = "{}";
    public string State { get; set; } = LabReplayStates.Queued;
    public int Done { get; set; }
    public int Total { get; set; }
    public string? ResultJson { get; set; }
    public string? Error { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

public static class LabReplayStates
{
    public const string Queued = "queued", Running = "running", Done = "done", Failed = "failed";
}

public sealed record ReplayRequest(string? Campaign, DateTimeOffset? From, DateTimeOffset? To, RoutingPlan? Plan);

public sealed record LabReplayView(Guid Id, string Campaign, DateTimeOffset From, DateTimeOffset To, RoutingPlan Plan, string State,
    int Done, int Total, ReplayResult? Result, string? Error, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt);

// The revenue lab's replays: checked and queued, run (by a background job) with progress, read back.
// README "Revenue lab → Replay".
public sealed class LabReplays(IDbContextFactory<LeadHubDbContext> dbFactory, RoutingSnapshotHolder snapshots, TimeProvider time,
    ILogger<LabReplays> log)
{
    // A replay reads every lead of the range: three months at most keeps one replay's reading bounded.
    public const int MaxRangeDays = 93;

    // Results carry "not a number" for an interval of fewer than two leads.
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    // Every problem with a request, with its JSON path; empty when it can be queued.
    public IReadOnlyList<(string Path, string Message)> Problems(ReplayRequest request)
    {
        var problems = new List<(string, string)>();
        var snapshot = snapshots.Current;
        CampaignSnapshot? campaign = null;
        if (string.IsNullOrWhiteSpace(request.Campaign)) problems.Add(("campaign", "is required"));
        else if (!snapshot.Campaigns.TryGetValue(request.Campaign, out campaign)) problems.Add(("campaign", $"unknown campaign '{request.Campaign}'"));
        if (request.From is null) problems.Add(("from", "is required"));
        if (request.To is null) problems.Add(("to", "is required"));
        if (request is { From: { } from, To: { } to })
        {
            if (from >= to) problems.Add(("to", "must be after from"));
            else if (to - from > TimeSpan.FromDays(MaxRangeDays)) problems.Add(("to", $"the range must be at most {MaxRangeDays} days"));
        }
        if (campaign is not null)
        {
            // The same rules as a live split's plan B in the workspace file.
            var contractCampaigns = snapshot.Contracts.Values.ToDictionary(c => c.Key, c => c.Config.Campaign);
            problems.AddRange(RoutingPlanRules.Problems(request.Plan ?? RoutingPlan.Unchanged, campaign.Config, snapshot.Buyers.Keys, contractCampaigns, "plan")
                .Select(p => (p.Path, p.Message)));
        }
        return problems;
    }

    // Queues a replay once the request is good; the caller starts the job with the id.
    public async Task<(LabReplayRow? Row, IReadOnlyList<(string Path, string Message)> Problems)> CreateAsync(ReplayRequest request, string by,
        CancellationToken ct = default)
    {
        var problems = Problems(request);
        if (problems.Count > 0) return (null, problems);
        var row = new LabReplayRow
        {
            Id = Guid.NewGuid(), CampaignKey = request.Campaign!, From = request.From!.Value, To = request.To!.Value,
            PlanJson = JsonSerializer.Serialize(request.Plan ?? RoutingPlan.Unchanged, Json), CreatedBy = by, CreatedAt = time.GetUtcNow(),
        };
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.Add(row);
        await db.SaveChangesAsync(ct);
        return (row, []);
    }

    // The job: reads the range a page at a time, replays it, writes progress after each page and the result at the end.
    public async Task RunAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Set<LabReplayRow>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
        if (row is null || row.State is LabReplayStates.Done) return;
        try
        {
            var plan = JsonSerializer.Deserialize<RoutingPlan>(row.PlanJson, Json) ?? RoutingPlan.Unchanged;
            var snapshot = snapshots.Current;
            if (!snapshot.Campaigns.ContainsKey(row.CampaignKey)) throw new InvalidOperationException($"campaign '{row.CampaignKey}' no longer exists");
            var reader = new ReplayReader(db, row.CampaignKey, row.From, row.To);
            var total = await reader.CountAsync(ct);
            await Update(db, id, LabReplayStates.Running, 0, total, ct);
            var simulation = new ReplaySimulation(snapshot, row.CampaignKey, plan, await reader.AcceptRatesAsync(ct));
            await foreach (var page in reader.PagesAsync(ct))
            {
                simulation.Add(page);
                await Update(db, id, LabReplayStates.Running, (int)simulation.Leads, Math.Max(total, (int)simulation.Leads), ct);
            }
            var result = JsonSerializer.Serialize(simulation.Result(), Json);
            var now = time.GetUtcNow();
            await db.Set<LabReplayRow>().Where(r => r.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.State, LabReplayStates.Done).SetProperty(r => r.ResultJson, result)
                .SetProperty(r => r.Done, (int)simulation.Leads).SetProperty(r => r.Total, (int)simulation.Leads).SetProperty(r => r.FinishedAt, now), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Replay {Id} failed", id);
            var now = time.GetUtcNow();
            var message = e.Message.Length > 500 ? e.Message[..500] : e.Message;
            await db.Set<LabReplayRow>().Where(r => r.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.State, LabReplayStates.Failed).SetProperty(r => r.Error, message).SetProperty(r => r.FinishedAt, now), CancellationToken.None);
        }
    }

    private static Task Update(LeadHubDbContext db, Guid id, string state, int done, int total, CancellationToken ct) =>
        db.Set<LabReplayRow>().Where(r => r.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.State, state).SetProperty(r => r.Done, done).SetProperty(r => r.Total, total), ct);

    public async Task<LabReplayView?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Set<LabReplayRow>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
        return row is null ? null : View(row, withResult: true);
    }

    // The latest replays first, without their results.
    public async Task<IReadOnlyList<LabReplayView>> ListAsync(int take = 50, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Set<LabReplayRow>().AsNoTracking().OrderByDescending(r => r.CreatedAt).Take(Math.Clamp(take, 1, 200)).ToListAsync(ct);
        return [.. rows.Select(r => View(r, withResult: false))];
    }

    private static LabReplayView View(LabReplayRow r, bool withResult) => new(r.Id, r.CampaignKey, r.From, r.To,
        JsonSerializer.Deserialize<RoutingPlan>(r.PlanJson, Json) ?? RoutingPlan.Unchanged, r.State, r.Done, r.Total,
        withResult && r.ResultJson is not null ? JsonSerializer.Deserialize<ReplayResult>(r.ResultJson, Json) : null,
        r.Error, r.CreatedBy, r.CreatedAt, r.FinishedAt);
}
