using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Scaling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LeadHub.Tests.Storage;

// On PostgreSQL the hot path's statements are prepared on the server once a connection has run them a
// few times (the writer alone, one lead at a time: 3,300 -> 5,150 leads in 15 s), unless the operator's
// connection string says how many to keep (0 behind a pooler that cannot keep them).
public sealed class PostgresPreparedStatementsTests : IAsyncLifetime
{
    private TestDatabase? _db;
    private LeadHubFactory? _host;

    public Task InitializeAsync()
    {
        if (TestDatabase.PostgresServer is null) return Task.CompletedTask;
        _db = TestDatabase.CreatePostgres();
        _host = LeadHubFactory.On(_db);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        if (_db is not null) await _db.DisposeAsync();
    }

    [PostgresFact]
    public async Task A_query_run_again_and_again_on_a_connection_is_prepared_on_the_server()
    {
        await using var db = await _host!.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        for (var i = 0; i < 10; i++) await db.Leads.CountAsync(l => l.CampaignKey == "prepared-" + i);

        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "SELECT count(*) FROM pg_prepared_statements";
        Assert.True((long)(await command.ExecuteScalarAsync())! > 0, "nothing prepared on the lead's connection");
    }

    // A prepared statement planned while its table was nearly empty reads the whole table on every call
    // until the table is analysed; autovacuum does that at most once a minute, so the node does it as
    // soon as a young table has doubled, and leaves a grown table to autovacuum.
    [PostgresFact]
    public async Task A_young_table_is_analysed_once_it_has_doubled_but_not_when_it_grew_by_less_than_it_had()
    {
        var statistics = _host!.Services.GetRequiredService<PostgresStatistics>();
        await using var conn = new NpgsqlConnection(_db!.ConnectionString);
        await conn.OpenAsync();
        // Autovacuum kept off the probe: its own analysis would reset the count the node goes by.
        await Sql(conn, "CREATE TABLE young_probe (id int) WITH (autovacuum_enabled = false)");

        await Sql(conn, $"INSERT INTO young_probe SELECT g FROM generate_series(1, {PostgresStatistics.MinChanges + 100}) g");
        await Until(conn, statistics, "last_analyze IS NOT NULL");
        Assert.Equal(PostgresStatistics.MinChanges + 100, await Scalar(conn, "SELECT reltuples::bigint FROM pg_class WHERE relname = 'young_probe'"));

        // 550 rows more: above the 500 floor, below the 600 it had when analysed.
        await Sql(conn, $"INSERT INTO young_probe SELECT g FROM generate_series(1, {PostgresStatistics.MinChanges + 50}) g");
        await Until(conn, statistics: null, $"n_mod_since_analyze >= {PostgresStatistics.MinChanges + 50}");
        Assert.DoesNotContain("young_probe", await statistics.AnalyzeGrownAsync(CancellationToken.None));
        Assert.Equal(PostgresStatistics.MinChanges + 100, await Scalar(conn, "SELECT reltuples::bigint FROM pg_class WHERE relname = 'young_probe'"));
    }

    private static async Task Sql(NpgsqlConnection conn, string sql)
    {
        await using var command = new NpgsqlCommand(sql, conn);
        await command.ExecuteNonQueryAsync();
        // The server publishes a session's table counters at most once a second unless told to.
        await using var flush = new NpgsqlCommand("SELECT pg_stat_force_next_flush()", conn);
        await flush.ExecuteNonQueryAsync();
    }

    private static async Task<long> Scalar(NpgsqlConnection conn, string sql)
    {
        await using var command = new NpgsqlCommand(sql, conn);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    // Runs a round of the node's analysis (when given) until the probe table's statistics say `condition`.
    private static async Task Until(NpgsqlConnection conn, PostgresStatistics? statistics, string condition)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (statistics is not null) await statistics.AnalyzeGrownAsync(CancellationToken.None);
            if (await Scalar(conn, $"SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'young_probe' AND {condition}") == 1) return;
            if (waited.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"young_probe never had {condition}");
            await Task.Delay(100);
        }
    }

    [Theory]
    [InlineData("Host=db;Database=leadhub;Username=app", LeadHubDbFactory.AutoPrepared)]
    [InlineData("Host=db;Database=leadhub;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;Database=leadhub;maxautoprepare=8", 8)]
    public void A_connection_string_prepares_statements_unless_it_says_how_many(string connectionString, int prepared)
    {
        Assert.Equal(prepared, new NpgsqlConnectionStringBuilder(LeadHubDbFactory.WithPoolTuning(connectionString)).MaxAutoPrepare);
    }

    // A reset is seven statements the server runs for about every lead; LeadHub keeps no session state.
    [Theory]
    [InlineData("Host=db;Database=leadhub;Username=app", true)]
    [InlineData("Host=db;Database=leadhub;No Reset On Close=false", false)]
    [InlineData("Host=db;Database=leadhub;noresetonclose=false", false)]
    public void A_pooled_connection_is_not_reset_on_close_unless_the_connection_string_asks(string connectionString, bool skipped)
    {
        Assert.Equal(skipped, new NpgsqlConnectionStringBuilder(LeadHubDbFactory.WithPoolTuning(connectionString)).NoResetOnClose);
    }
}
