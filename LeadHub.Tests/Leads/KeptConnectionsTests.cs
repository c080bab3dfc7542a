using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace LeadHub.Tests.Leads;

// The dedupe read before the pings runs on connections kept open with their statement prepared. A
// kept connection must read every commit made after it opened and hold no snapshot between reads
// (a held one would keep the WAL from ever being emptied). A real SQLite file, in WAL mode.
public sealed class KeptConnectionsTests : IAsyncLifetime
{
    private readonly TestDatabase _database = TestDatabase.CreateSqlite();
    private PooledDbContextFactory<LeadHubDbContext> _factory = null!;

    private string WalPath => new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(_database.ConnectionString).DataSource + "-wal";

    public async Task InitializeAsync()
    {
        // Without SQLite's own pool, a connection let go is closed, and a temp table shows which one was lent.
        var unpooled = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(_database.ConnectionString) { Pooling = false }.ToString();
        _factory = await _database.MigratedSqliteAsync(unpooled);
        await using var db = await _factory.CreateDbContextAsync();
        await db.Database.ExecuteSqlRawAsync("CREATE TABLE filler (n INTEGER, pad TEXT)");
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private async Task WriteAsync(int rows)
    {
        await using var db = await _factory.CreateDbContextAsync();
        for (var i = 0; i < rows; i++)
            await db.Database.ExecuteSqlRawAsync("INSERT INTO filler VALUES ({0}, {1})", i, new string('x', 2000));
    }

    // A prepared count, the way the dedupe read runs its statement.
    private static Task<long> CountAsync(KeptConnections kept) => kept.UseAsync(async (db, statements) =>
    {
        var (command, _) = statements!.For(db.Database.GetDbConnection(), "SELECT count(*) FROM filler", _ => []);
        return (long)(await command.ExecuteScalarAsync())!;
    });

    // Whether the connection lent is one an earlier use marked (a temp table lives as long as its connection).
    private static Task<bool> MarkedAsync(KeptConnections kept, bool mark = false) => kept.UseAsync(async (db, _) =>
    {
        var marked = await db.Database.SqlQueryRaw<long>("SELECT count(*) AS \"Value\" FROM temp.sqlite_master WHERE name = 'marker'").SingleAsync() == 1;
        if (mark && !marked) await db.Database.ExecuteSqlRawAsync("CREATE TEMP TABLE marker (x INTEGER)");
        return marked;
    });

    [Fact]
    public async Task A_kept_connection_reads_what_was_committed_after_it_opened()
    {
        await using var kept = new KeptConnections(_factory, keep: 1);
        Assert.Equal(0, await CountAsync(kept));
        await WriteAsync(3);
        Assert.Equal(3, await CountAsync(kept));
        await WriteAsync(2);
        Assert.Equal(5, await CountAsync(kept));
    }

    [Fact]
    public async Task A_kept_connection_holds_no_snapshot_between_reads_so_the_WAL_can_be_emptied()
    {
        await using var kept = new KeptConnections(_factory, keep: 1);
        await WriteAsync(20);
        Assert.Equal(20, await CountAsync(kept));
        await WriteAsync(20);

        await using var db = await _factory.CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        await using var checkpoint = db.Database.GetDbConnection().CreateCommand();
        checkpoint.CommandText = "PRAGMA busy_timeout=0; PRAGMA wal_checkpoint(TRUNCATE)";
        await checkpoint.ExecuteNonQueryAsync();
        Assert.Equal(0, new FileInfo(WalPath).Length);
        Assert.Equal(40, await CountAsync(kept));
    }

    [Fact]
    public async Task A_failed_read_closes_its_connection_and_the_next_read_gets_a_fresh_one()
    {
        await using var kept = new KeptConnections(_factory, keep: 1);
        await MarkedAsync(kept, mark: true);
        Assert.True(await MarkedAsync(kept));

        await Assert.ThrowsAnyAsync<Exception>(() => kept.UseAsync<long>(async (db, _) =>
            await db.Database.SqlQueryRaw<long>("SELECT count(*) AS \"Value\" FROM no_such_table").SingleAsync()));

        Assert.False(await MarkedAsync(kept));
    }

    [Fact]
    public async Task A_connection_is_closed_after_its_last_allowed_use()
    {
        await using var kept = new KeptConnections(_factory, keep: 1, usesPerConnection: 3);
        await MarkedAsync(kept, mark: true);
        Assert.True(await MarkedAsync(kept));
        Assert.True(await MarkedAsync(kept));
        Assert.False(await MarkedAsync(kept));
    }

    [Fact]
    public async Task Callers_at_once_each_get_their_own_connection_and_only_keep_stay_open()
    {
        await using var kept = new KeptConnections(_factory, keep: 1);
        var inside = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var first = kept.UseAsync(async (db, _) =>
        {
            await db.Database.ExecuteSqlRawAsync("CREATE TEMP TABLE marker (x INTEGER)");
            inside.SetResult();
            await release.Task;
            return 1;
        });
        await inside.Task;
        // The first is still out: this one is another connection, unmarked; it goes back idle first.
        Assert.False(await MarkedAsync(kept));
        release.SetResult();
        await first;
        // Only one stays idle: the unmarked one kept first, the marked one closed.
        Assert.False(await MarkedAsync(kept));
    }
}
