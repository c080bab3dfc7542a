using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadHub.Tests.Leads;

// Under steady traffic a PASSIVE checkpoint never lets SQLite start the WAL over, and the file grew
// by gigabytes in minutes; past its bound the checkpointer empties it. A real SQLite file, in WAL mode.
public sealed class SqliteCheckpointTests : IAsyncLifetime
{
    private readonly TestDatabase _database = TestDatabase.CreateSqlite();
    private PooledDbContextFactory<LeadHubDbContext> _factory = null!;

    private string WalPath => new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(_database.ConnectionString).DataSource + "-wal";

    public async Task InitializeAsync()
    {
        _factory = new PooledDbContextFactory<LeadHubDbContext>(new DbContextOptionsBuilder<LeadHubDbContext>()
            .UseSqlite(_database.ConnectionString).AddInterceptors(SqlitePragmas.Instance).Options);
        await using var db = await _factory.CreateDbContextAsync();
        await db.Database.MigrateAsync();
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private SqliteCheckpoints Checkpoints(int truncateAboveFrames) =>
        new(_factory, TimeProvider.System, NullLogger<SqliteCheckpoints>.Instance, truncateAboveFrames);

    // Audit rows are the simplest table to fill; what is written does not matter, only that it lands in the WAL.
    private async Task WriteAsync(int transactions)
    {
        for (var i = 0; i < transactions; i++)
        {
            await using var db = await _factory.CreateDbContextAsync();
            await db.Database.ExecuteSqlRawAsync("CREATE TABLE IF NOT EXISTS wal_filler (n INTEGER, pad TEXT)");
            await db.Database.ExecuteSqlRawAsync("INSERT INTO wal_filler VALUES ({0}, {1})", i, new string('x', 2000));
        }
    }

    [Fact]
    public async Task WAL_past_its_bound_is_emptied_by_the_checkpoint()
    {
        await WriteAsync(50);
        Assert.True(new FileInfo(WalPath).Length > 0, "the writes went to the WAL");

        // The checkpointer runs every 250 ms and a round that finds the file busy leaves it to the next:
        // up to three rounds here. One full-suite run (2026-12-04) found one frame left after a single
        // round, with nothing else on this file; cause not found, not seen again in 7 runs of the class and its folder.
        for (var round = 0; round < 3 && new FileInfo(WalPath).Length > 0; round++)
            await Checkpoints(truncateAboveFrames: 10).CheckpointAsync(CancellationToken.None);

        Assert.Equal(0, new FileInfo(WalPath).Length);
        await using var db = await _factory.CreateDbContextAsync();
        Assert.Equal(50, await db.Database.SqlQueryRaw<int>("SELECT count(*) AS \"Value\" FROM wal_filler").SingleAsync());
    }

    [Fact]
    public async Task Checkpoint_never_waits_for_a_long_read_and_empties_the_WAL_once_it_ended()
    {
        await WriteAsync(20);
        // A long read (a report): its snapshot keeps the WAL's frames in use.
        await using var reader = new Microsoft.Data.Sqlite.SqliteConnection(_database.ConnectionString);
        await reader.OpenAsync();
        await using (var begin = reader.CreateCommand())
        {
            begin.CommandText = "BEGIN; SELECT count(*) FROM wal_filler;";
            await begin.ExecuteScalarAsync();
        }
        await WriteAsync(20);

        var checkpoints = Checkpoints(truncateAboveFrames: 10);
        await checkpoints.CheckpointAsync(CancellationToken.None);
        Assert.True(new FileInfo(WalPath).Length > 0, "the WAL cannot be emptied while a reader uses it");
        Assert.True(checkpoints.TruncateWanted, "the writer is asked to empty it");

        await using (var commit = reader.CreateCommand())
        {
            commit.CommandText = "COMMIT";
            await commit.ExecuteNonQueryAsync();
        }
        await checkpoints.CheckpointAsync(CancellationToken.None);
        Assert.Equal(0, new FileInfo(WalPath).Length);
        // Emptied: the writer is not asked again (it would hold its next batch for nothing).
        Assert.False(checkpoints.TruncateWanted);
        // The pooled connection the checkpoint used waits for locks again, as every connection must.
        await using var db = await _factory.CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        await using var timeout = db.Database.GetDbConnection().CreateCommand();
        timeout.CommandText = "PRAGMA busy_timeout";
        Assert.Equal((long)SqlitePragmas.BusyTimeoutMs, (long)(await timeout.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task WAL_within_its_bound_is_copied_without_holding_the_writer()
    {
        await WriteAsync(5);
        var before = new FileInfo(WalPath).Length;

        await Checkpoints(SqliteCheckpoints.DefaultTruncateAboveFrames).CheckpointAsync(CancellationToken.None);

        // PASSIVE only: the frames are copied into the database file, the WAL file stays for reuse.
        Assert.Equal(before, new FileInfo(WalPath).Length);
    }

    [Fact]
    public async Task WAL_a_busy_writer_kept_from_being_emptied_is_emptied_by_the_writer_between_two_batches()
    {
        await WriteAsync(20);
        var checkpoints = Checkpoints(truncateAboveFrames: 10);
        // The lead writer's connection, inside a batch's transaction when the checkpointer runs.
        await using var writer = await _factory.CreateDbContextAsync();
        await using (var tx = await writer.Database.BeginTransactionAsync())
        {
            await writer.Database.ExecuteSqlRawAsync("INSERT INTO wal_filler VALUES (-1, 'in a batch')");
            await checkpoints.CheckpointAsync(CancellationToken.None);
            Assert.True(new FileInfo(WalPath).Length > 0, "the WAL cannot be emptied while the writer is in a transaction");
            Assert.True(checkpoints.TruncateWanted, "the writer is asked to do it");
            await tx.CommitAsync();
        }

        await checkpoints.TruncateOnWriterAsync(writer);

        Assert.Equal(0, new FileInfo(WalPath).Length);
        Assert.False(checkpoints.TruncateWanted);
        Assert.Equal(21, await writer.Database.SqlQueryRaw<int>("SELECT count(*) AS \"Value\" FROM wal_filler").SingleAsync());
        // The writer's connection waits for locks again, as every connection must.
        await using var timeout = writer.Database.GetDbConnection().CreateCommand();
        timeout.CommandText = "PRAGMA busy_timeout";
        Assert.Equal((long)SqlitePragmas.BusyTimeoutMs, (long)(await timeout.ExecuteScalarAsync())!);
    }
}
