using LeadHub.Core.Cluster;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeadHub.Core.Storage;

// On PostgreSQL the hot path's statements are prepared (LeadHubDbFactory.WithPoolTuning), and the
// server soon plans a prepared statement once for all values (a generic plan) from the statistics the
// table had at that moment. A new database's tables have none: planned while they were nearly empty,
// the dedupe read and the writer's updates read whole tables on every lead until autovacuum analysed
// them, which it does at most once a minute (a fresh database at 602 leads/s read 4.2 million rows of
// "Leads" by sequential scans in 40 s; the writer alone, one lead at a time: dedupe read p50 1.29 ms
// in a run where the plan came out so, 0.31 ms where it did not).
// This analyses a table as soon as it has changed by as many rows as it had when last analysed (at
// least MinChanges): a few times while a table is young, practically never once it has grown, where
// autovacuum's 10 % keeps up. ANALYZE makes the server plan the prepared statements again.
public sealed class PostgresStatistics(IDbContextFactory<LeadHubDbContext> dbFactory, TimeProvider time, ILogger<PostgresStatistics> log)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    public const int MinChanges = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using (var probe = await dbFactory.CreateDbContextAsync(stoppingToken))
            if (!probe.Database.IsNpgsql()) return;
        await Periodic.RunAsync(Interval, time, ct => AnalyzeGrownAsync(ct), log, "Analysing grown tables", stoppingToken);
    }

    // The tables analysed in this round.
    public async Task<IReadOnlyList<string>> AnalyzeGrownAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // reltuples is -1 for a table never analysed.
        // quote_ident: the names come from the catalogue, quoted as identifiers, not from any input.
        var grown = await db.Database.SqlQuery<string>($"""
            SELECT quote_ident(s.relname) AS "Value" FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
            WHERE s.schemaname = current_schema() AND s.n_mod_since_analyze >= GREATEST({MinChanges}, c.reltuples)
            """).ToListAsync(ct);
        foreach (var table in grown)
        {
            var analyze = $"ANALYZE {table}";
            await db.Database.ExecuteSqlRawAsync(analyze, ct);
        }
        if (grown.Count > 0) log.LogDebug("Analysed {Tables}: they had doubled since their statistics were taken", string.Join(", ", grown));
        return grown;
    }
}
