using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeadHub.Core;
using LeadHub.Core.Delivery;
using LeadHub.Core.Lab;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeadHub.Bench;

// `--replay N`: the revenue lab's replay on N recorded leads in a fresh SQLite file. The leads are
// first routed by the real Auction against simulated buyers (6 ping-post buyers with bids, passes,
// timeouts and rejects, and a fixed-price fallback tier) and stored with their traces; then the
// range is replayed, as the job does (paged reads, three runs for the revenue range), with the plan
// unchanged and with a waterfall by priority. Prints leads/s and seconds of each replay.
public static class ReplayBench
{
    public const string Flag = "--replay";
    private const string Campaign = "bench-auto";

    public static async Task RunAsync(int leads, TextWriter output)
    {
        var path = Path.Combine(Path.GetTempPath(), $"leadhub-replay-bench-{Guid.NewGuid():N}.db");
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production", ContentRootPath = Path.GetTempPath() });
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:LeadHub"] = $"Data Source={path};Pooling=True",
                ["LeadHub:Database:Provider"] = DatabaseProviders.Sqlite,
            });
            builder.Services.AddLeadHubCore(builder.Configuration);
            using var host = builder.Build();
            var factory = host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>();
            await using (var db = await factory.CreateDbContextAsync()) await db.Database.MigrateAsync();

            var snapshot = new RoutingSnapshot(Workspace(), new Dictionary<string, string>(), new Dictionary<string, string>(), 1);
            var start = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
            var seeding = Stopwatch.StartNew();
            await SeedAsync(factory, snapshot, leads, start);
            output.WriteLine($"Replay bench: {leads:N0} recorded leads seeded in {seeding.Elapsed.TotalSeconds:F1} s ({Environment.ProcessorCount} cores)");

            foreach (var (name, plan) in new[] { ("unchanged", RoutingPlan.Unchanged), ("waterfall", new RoutingPlan { Strategy = RoutingStrategies.Waterfall }) })
            {
                var clock = Stopwatch.StartNew();
                await using var db = await factory.CreateDbContextAsync();
                var reader = new ReplayReader(db, Campaign, start, start.AddDays(31));
                var simulation = new ReplaySimulation(snapshot, Campaign, plan, await reader.AcceptRatesAsync(CancellationToken.None));
                await foreach (var page in reader.PagesAsync(CancellationToken.None)) simulation.Add(page);
                var result = simulation.Result();
                var seconds = clock.Elapsed.TotalSeconds;
                output.WriteLine($"  {name,-9}: {result.Plan.Leads:N0} leads in {seconds:F1} s = {result.Plan.Leads / seconds:N0} leads/s; " +
                                 $"RPL recorded {result.Recorded.RevenuePerLead.Value:F2} vs plan {result.Plan.RevenuePerLead.Value:F2} " +
                                 $"({(result.Plan.RevenuePerLead.Value / result.Recorded.RevenuePerLead.Value - 1) * 100:+0.0;-0.0} %), " +
                                 $"sell-through {result.Recorded.SellThrough.Value:P1} vs {result.Plan.SellThrough.Value:P1}, " +
                                 $"{result.LeadsSoldDifferently:N0} sold differently, unknown posts {result.Unknowns.UnknownPosts:N0}");
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(path + suffix);
        }
    }

    private static WorkspaceDocument Workspace()
    {
        var campaign = new CampaignConfig
        {
            Key = Campaign, Name = "Bench auto", AuctionTimeoutMs = 800, Floor = 2m, MaxPostAttempts = 3,
            Tiers = [new TierConfig { Tier = 0, Floor = 5m }, new TierConfig { Tier = 1, Floor = 1m }],
            Fields = [new FieldDefinition { Name = "state", Type = FieldTypes.State }, new FieldDefinition { Name = "email", Type = FieldTypes.Email, Pii = true }],
        };
        var buyers = Enumerable.Range(1, 6).Select(i => new BuyerConfig
        {
            Key = $"buyer-{i}", Name = $"Buyer {i}",
            Contracts =
            [
                new ContractConfig
                {
                    Key = $"buyer-{i}-auto", Campaign = Campaign, Mode = ContractModes.PingPost, Tier = 0, Priority = i,
                    PingUrl = $"https://b{i}.example/ping", PostUrl = $"https://b{i}.example/post", TimeoutMs = 400, Caps = i == 2 ? new CapsConfig { Daily = 400 } : null,
                },
            ],
        }).ToList();
        buyers.Add(new BuyerConfig
        {
            Key = "fallback", Name = "Fallback",
            Contracts = [new ContractConfig { Key = "fallback-auto", Campaign = Campaign, Mode = ContractModes.DirectPost, Tier = 1, Price = 3m, PostUrl = "https://f.example/post" }],
        });
        return new WorkspaceDocument { Campaigns = [campaign], Buyers = buyers };
    }

    // Routes each lead live (the real Auction on a virtual clock against simulated buyers) and stores it with its trace.
    private static async Task SeedAsync(IDbContextFactory<LeadHubDbContext> factory, RoutingSnapshot snapshot, int leads, DateTimeOffset start)
    {
        var rng = new Random(18);
        var clock = new ReplayClock(start);
        var transport = new SimulatedBuyers(clock, rng);
        var rejects = new RecentRejects();
        LeadHub.Core.Telemetry.LeadHubMetrics.Muted = true;
        var auction = new Auction(transport, new InMemoryCapLedger(), rejects, new BuyerHealth(clock), clock);
        var campaign = snapshot.Campaigns[Campaign];
        var at = start;
        var step = TimeSpan.FromDays(30) / Math.Max(1, leads);
        var leadRows = new List<LeadRow>();
        var stepRows = new List<TraceStepRow>();
        for (var i = 0; i < leads; i++)
        {
            at += step;
            var id = Guid.CreateVersion7(at);
            var fields = new JsonObject { ["state"] = rng.Next(4) == 0 ? "TX" : "CA", ["email"] = $"p{i}@example.com" };
            var lead = new AuctionLead(id, "p-" + i, campaign, fields, campaign.PingFieldsOf(fields), false, at) { Publisher = "pub" };
            var result = clock.Run(at, () => auction.RunAsync(lead, null, CancellationToken.None));
            var sold = result.Sales.Count > 0;
            leadRows.Add(new LeadRow
            {
                Id = id, CampaignKey = Campaign, PublisherKey = "pub", Status = sold ? LeadStatus.Sold : LeadStatus.Unsold, ReceivedAt = at, FinishedAt = at,
                FieldsJson = fields.ToJsonString(), Price = sold ? result.Sales.Sum(s => s.Price) : null, BuyerKey = result.Winner?.Contract.Buyer.Key,
                ContractKey = result.Winner?.Contract.Key, Payout = sold ? Math.Round(result.Sales.Sum(s => s.Price) * 0.7m, 2) : 0,
            });
            stepRows.AddRange(result.Trace.Select((s, seq) => new TraceStepRow
            {
                LeadId = id, Seq = seq, Kind = s.Kind, Buyer = s.Buyer, Contract = s.Contract, Tier = s.Tier, Outcome = s.Outcome, Bid = s.Bid,
                Price = s.Price, Reason = s.Reason, LatencyMs = s.LatencyMs, At = s.At,
            }));
            if (leadRows.Count == 5000 || i == leads - 1)
            {
                await using var db = await factory.CreateDbContextAsync();
                await using var tx = await db.Database.BeginTransactionAsync();
                var bulk = new BulkRows(db);
                await bulk.InsertAsync(leadRows);
                await bulk.InsertAsync(stepRows);
                await tx.CommitAsync();
                leadRows.Clear();
                stepRows.Clear();
            }
        }
        LeadHub.Core.Telemetry.LeadHubMetrics.Muted = false;
    }

    // Buyers with habits: each bids often or rarely, high or low, answers fast or slow, and takes
    // most or few of its posts; buyer 1 bids high and rejects a lot, the waterfall's first choice.
    private sealed class SimulatedBuyers(ReplayClock clock, Random rng) : IBuyerTransport
    {
        public Task<PingResult> PingAsync(ContractSnapshot contract, PingRequest request, CancellationToken ct)
        {
            var i = contract.Config.Priority;
            var roll = rng.Next(100);
            if (roll < 4) return Later(PingResult.TimedOut(), null, ct);
            var latency = rng.Next(20, 120 + 40 * i);
            if (roll < 35 + 5 * i) return Later(PingResult.Passed("no match"), latency, ct);
            return Later(new PingResult(PingOutcome.Bid, Math.Round(6m + (decimal)rng.NextDouble() * (22 - 2 * i), 2)), latency, ct);
        }

        public Task<PostResult> PostAsync(ContractSnapshot contract, PostRequest request, CancellationToken ct)
        {
            var accept = contract.Config.Priority switch { 1 => 40, 2 => 75, _ => 88 };
            if (contract.IsDirectPost) accept = 95;
            return Later(rng.Next(100) < accept ? new PostResult(PostOutcome.Accepted, "x") : new PostResult(PostOutcome.Rejected, null, "duplicate"),
                rng.Next(50, 400), ct);
        }

        private Task<T> Later<T>(T answer, int? ms, CancellationToken ct)
        {
            var source = new TaskCompletionSource<T>();
            ct.Register(() => source.TrySetCanceled(ct));
            if (ms is { } m) clock.At(clock.GetUtcNow().AddMilliseconds(m), () => source.TrySetResult(answer));
            return source.Task;
        }
    }
}
