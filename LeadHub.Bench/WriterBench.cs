using System.Diagnostics;
using LeadHub.Core;
using LeadHub.Core.Kpis;
using LeadHub.Core.Leads;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeadHub.Bench;

// `--writer`: the lead writer alone, in this process, on a fresh SQLite file (or a fresh PostgreSQL
// database with --postgres): what one lead's two writes cost at the storage floor, without HTTP or
// buyers. A lead here is what the hot path writes for a sold lead of a ten-buyer auction: the
// dedupe read before the pings, the receive, a post intent, the finish with 11 trace steps, 3 cap increments and its KPI rollups.
public static class WriterBench
{
    public const string Flag = "--writer";

    public static async Task RunAsync(string? postgres, double seconds, TextWriter output, bool idempotencyKeys = false)
    {
        var (connectionString, drop) = postgres is null ? Sqlite() : await LeadHubTarget.CreatePostgresDatabaseAsync(postgres);
        try
        {
            // No default sources: the default appsettings.json is watched for changes, and a watcher on the
            // temp folder, where the database file lives, woke on every page SQLite wrote (the node polls its
            // settings files for the same reason): one lead at a time cost 1.25-1.31 CPU-ms with it, 0.88-0.91 without.
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
            {
                DisableDefaults = true, EnvironmentName = "Production", ContentRootPath = Path.GetTempPath(),
            });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:LeadHub"] = connectionString,
                ["LeadHub:Database:Provider"] = postgres is null ? DatabaseProviders.Sqlite : DatabaseProviders.Postgres,
            });
            builder.Services.AddLeadHubCore(builder.Configuration);
            using var host = builder.Build();
            var factory = host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>();
            await using (var db = await factory.CreateDbContextAsync()) await db.Database.MigrateAsync();
            var writer = host.Services.GetRequiredService<LeadWriter>();
            await writer.StartAsync(CancellationToken.None);
            var checkpoints = host.Services.GetRequiredService<SqliteCheckpoints>();
            await checkpoints.StartAsync(CancellationToken.None);
            var statistics = host.Services.GetRequiredService<PostgresStatistics>();
            await statistics.StartAsync(CancellationToken.None);

            output.WriteLine($"Lead writer on {(postgres is null ? "SQLite" : "PostgreSQL")}: dedupe read + receive + intent + finish (11 steps) per lead{(idempotencyKeys ? ", each with an Idempotency-Key" : "")}");
            // JIT and the first statements: the figures below are warm.
            await SequentialAsync(writer, TimeSpan.FromSeconds(Math.Min(5, seconds)), idempotencyKeys);
            var one = await SequentialAsync(writer, TimeSpan.FromSeconds(seconds), idempotencyKeys);
            output.WriteLine($"  one lead at a time: {one.Leads} leads, dedupe read p50 {one.Dedupe.P(0.5):F3} ms p99 {one.Dedupe.P(0.99):F3} ms, receive p50 {one.Receive.P(0.5):F3} ms p99 {one.Receive.P(0.99):F3} ms, " +
                             $"finish p50 {one.Finish.P(0.5):F3} ms p99 {one.Finish.P(0.99):F3} ms, CPU {one.CpuMsPerLead:F3} ms/lead");
            var many = await ConcurrentAsync(writer, 128, TimeSpan.FromSeconds(seconds), idempotencyKeys);
            output.WriteLine($"  128 leads in flight: {many.Leads / seconds:F0} leads/s, dedupe read p50 {many.Dedupe.P(0.5):F2} ms, receive p50 {many.Receive.P(0.5):F2} ms p99 {many.Receive.P(0.99):F2} ms, " +
                             $"finish p50 {many.Finish.P(0.5):F2} ms p99 {many.Finish.P(0.99):F2} ms, CPU {many.CpuMsPerLead:F3} ms/lead");
            await writer.StopAsync(CancellationToken.None);
            await checkpoints.StopAsync(CancellationToken.None);
            await statistics.StopAsync(CancellationToken.None);
        }
        finally
        {
            await drop();
        }
    }

    private sealed class Samples
    {
        private readonly List<double> _ms = [];
        public void Add(double ms) { lock (_ms) _ms.Add(ms); }
        public double P(double q)
        {
            lock (_ms)
            {
                if (_ms.Count == 0) return double.NaN;
                _ms.Sort();
                return _ms[Math.Min(_ms.Count - 1, (int)(q * _ms.Count))];
            }
        }
    }

    private sealed record Result(int Leads, Samples Dedupe, Samples Receive, Samples Finish, double CpuMsPerLead);

    private static async Task<Result> SequentialAsync(LeadWriter writer, TimeSpan length, bool keyed) => await ConcurrentAsync(writer, 1, length, keyed);

    private static async Task<Result> ConcurrentAsync(LeadWriter writer, int inFlight, TimeSpan length, bool keyed)
    {
        var dedupe = new Samples();
        var receive = new Samples();
        var finish = new Samples();
        var leads = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var until = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async worker =>
        {
            await Task.Yield();
            while (Stopwatch.GetTimestamp() < until)
            {
                await OneLeadAsync(writer, dedupe, receive, finish, keyed);
                Interlocked.Increment(ref leads);
            }
        }));
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return new Result(leads, dedupe, receive, finish, used.TotalMilliseconds / Math.Max(1, leads));
    }

    private static readonly string[] Buyers = Enumerable.Range(1, 10).Select(i => $"buyer-{i}").ToArray();

    private static async Task OneLeadAsync(LeadWriter writer, Samples dedupe, Samples receive, Samples finish, bool keyed)
    {
        var now = DateTimeOffset.UtcNow;
        var id = Guid.NewGuid();
        var phone = Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString();
        var lead = new NewLead(id, "bench", "pub-1", "sub-" + Random.Shared.Next(20), null, keyed ? id.ToString() : null, false, LeadStatus.Received,
            $$"""{"first_name":"Ann","phone":"{{phone}}","email":"{{phone}}@example.com","state":"TX","zip":"75001"}""", null,
            "p" + phone, "e" + phone, now, null, null, "bench-node");
        var start = Stopwatch.GetTimestamp();
        await writer.SeenBeforeAsync(lead, now.AddDays(-30));
        dedupe.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        start = Stopwatch.GetTimestamp();
        await writer.ReceiveAsync(lead, now.AddDays(-30));
        receive.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);

        var trace = Buyers.Select((b, i) => new TraceStep(TraceKinds.Ping, b, b + "-c", null, TraceOutcomes.Bid, 10 + i, null, null, 40 + i, now)).ToList();
        await writer.IntendAsync(new PostIntentRow { LeadId = id, Seq = trace.Count, BuyerKey = Buyers[^1], ContractKey = Buyers[^1] + "-c", Price = 19, At = now });
        trace.Add(new TraceStep(TraceKinds.Post, Buyers[^1], Buyers[^1] + "-c", null, TraceOutcomes.Accepted, null, 19, null, 30, now));
        start = Stopwatch.GetTimestamp();
        await writer.FinishAsync(new LeadFinish(id, LeadStatus.Sold, 19, Buyers[^1], Buyers[^1] + "-c", 15.2m, null, now, trace,
            [new CapIncrement($"c|{Buyers[^1]}-c|d|{now:yyyyMMdd}", 1, 19), new CapIncrement($"b|{Buyers[^1]}|d|{now:yyyyMMdd}", 1, 19),
             new CapIncrement($"c|{Buyers[^1]}-c|m|{now:yyyyMM}", 1, 19)],
            Kpi: new KpiLead(lead.CampaignKey, lead.PublisherKey, lead.SubId, false, now)));
        finish.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    private static (string, Func<Task>) Sqlite()
    {
        var path = Path.Combine(Path.GetTempPath(), $"leadhub-writer-bench-{Guid.NewGuid():N}.db");
        return ($"Data Source={path};Pooling=True", () =>
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(path + suffix);
            return Task.CompletedTask;
        });
    }
}
