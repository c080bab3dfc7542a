using System.Data.Common;
using System.Runtime.CompilerServices;
using LeadHub.Core.Cluster;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeadHub.Core.Storage;

// WAL lets readers (portal, admin API) run beside the lead writer; synchronous=NORMAL keeps a
// commit durable across a process crash while skipping an fsync per transaction. Set once per
// physical connection (a pooled connection keeps them), not at every open: they cost the writer
// a statement per batch otherwise.
// No connection checkpoints the WAL on its own commit (wal_autocheckpoint=0): that checkpoint, with
// its fsyncs, landed on the lead writer's commit every few hundred leads. SqliteCheckpoints does it
// in the background instead. journal_size_limit: what of the WAL file a restarted log keeps for reuse
// (SqliteCheckpoints); the first commit after a restart cuts a larger file back to it.
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();
    public const int BusyTimeoutMs = 10_000;
    private static readonly string Pragmas =
        $"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={BusyTimeoutMs}; PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit={SqliteCheckpoints.WalFileLimitBytes};";

    // The native connections already set up; a pooled SqliteConnection reopens one of them.
    private readonly ConditionalWeakTable<object, object> _done = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (!NeedsPragmas(connection)) return;
        using var cmd = connection.CreateCommand();
        cmd.CommandText = Pragmas;
        cmd.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
    {
        if (!NeedsPragmas(connection)) return;
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = Pragmas;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private bool NeedsPragmas(DbConnection connection) =>
        connection is SqliteConnection { Handle: { } handle } && _done.TryAdd(handle, this);
}

// Copies the WAL back into the database file four times a second, off the lead writer's path. PASSIVE
// never waits for readers or the writer, but under steady traffic it never lets the WAL start
// over either: SQLite reuses the file from the start only when a write begins after a checkpoint
// caught up with every frame, and with a separate checkpointer new frames always arrive first.
// Measured at 570 leads/s: the WAL grew by ~30 MB a second, 5.9 GB in three minutes, and its
// index (the -shm file every reader maps) with it. So once the WAL holds more than
// `restartAboveFrames` pages, a RESTART checkpoint follows the PASSIVE one: it holds the writer
// back only for what arrived since (the PASSIVE one copied the rest), and the next commit writes
// from the start of the file again.
// RESTART, not TRUNCATE (until 2026-12-06): an emptied file's blocks were freed, and the commits after
// it allocated and zeroed them again. The file is kept for reuse instead, and cut back to
// WalFileLimitBytes when a long read let it grow past. Measured: the writer alone, 128 leads in flight,
// 0.301 / 0.290 / 0.262 -> 0.253 / 0.260 / 0.235 CPU-ms a lead; the node's closed loop (`--ab`, ten
// rounds): leads/s 1.060 +- 0.042, CPU a lead 0.959 +- 0.041, p99 0.779 +- 0.037 of TRUNCATE's.
// Under steady load that checkpoint rarely found the writer between transactions (at 650 leads/s the
// WAL swung between 25 and 190 MB); when it could not finish it asks the lead writer, which
// runs it on its own connection between two batches (`RestartOnWriterAsync`), where no writer
// is in the way and only what arrived since the PASSIVE copy is left to copy.
public sealed class SqliteCheckpoints(IDbContextFactory<LeadHubDbContext> dbFactory, TimeProvider time, ILogger<SqliteCheckpoints> log,
    int restartAboveFrames = SqliteCheckpoints.DefaultRestartAboveFrames) : BackgroundService
{
    private static readonly string RestoreBusyTimeout = $"PRAGMA busy_timeout={SqlitePragmas.BusyTimeoutMs}";

    // 4,096 pages of 4 KiB: 16 MiB of WAL.
    public const int DefaultRestartAboveFrames = 4096;

    // Twice the WAL a restart is asked at: the file a restarted log keeps for reuse.
    public const long WalFileLimitBytes = 32L << 20;

    // At 650 leads/s the writer adds ~36 MB of WAL a second: checked every second, the WAL reached
    // 65 MB before it was restarted; four times a second, 28 MB (and a lower p99 overhead).
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    // Only a SQLite database has a WAL of LeadHub's to empty; on PostgreSQL the service does nothing.
    private bool? _sqlite;

    private async Task<bool> IsSqliteAsync(CancellationToken ct)
    {
        if (_sqlite is { } known) return known;
        await using var probe = await dbFactory.CreateDbContextAsync(ct);
        return (_sqlite = probe.Database.IsSqlite()).Value;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await IsSqliteAsync(stoppingToken)) return;
        await Periodic.RunAsync(Interval, time, CheckpointAsync, log, "WAL checkpoint", stoppingToken);
    }

    public async Task CheckpointAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (_, walFrames) = await RunAsync(db, "PASSIVE", ct);
        if (walFrames <= restartAboveFrames)
        {
            _restartOnWriter = false;
            return;
        }
        // RESTART holds the writer while it waits for readers: behind a long read (a report, the
        // 30-day return odds) that stalled every lead for seconds. Without a busy timeout it waits
        // for nobody: it restarts the WAL when no reader is on it, and else copies what it can, as
        // PASSIVE does, and the next round tries again. The connection is pooled: its timeout is put back.
        // A round that restarted it asks nothing of the writer, even when an earlier round had.
        _restartOnWriter = !await RestartAsync(db, ct);
    }

    private volatile bool _restartOnWriter;

    // Whether the lead writer should run the RESTART between its next two batches.
    public bool RestartWanted => _restartOnWriter;

    // Run by the lead writer on its own open connection, out of any transaction: the WAL is restarted
    // unless a reader is still on it (then the next round asks again). Never fails the writer.
    public async Task RestartOnWriterAsync(LeadHubDbContext writerDb)
    {
        _restartOnWriter = false;
        try
        {
            await RestartAsync(writerDb, CancellationToken.None);
        }
        catch (Exception e)
        {
            log.LogWarning(e, "WAL checkpoint on the lead writer's connection failed");
        }
    }

    // True when the WAL starts over at the next commit; false when a reader or a writer was in the way (what could be
    // copied was copied).
    private static async Task<bool> RestartAsync(LeadHubDbContext db, CancellationToken ct)
    {
        await db.Database.ExecuteSqlRawAsync("PRAGMA busy_timeout=0", ct);
        try
        {
            return (await RunAsync(db, "RESTART", ct)).Busy == 0;
        }
        finally
        {
            await db.Database.ExecuteSqlRawAsync(RestoreBusyTimeout, CancellationToken.None);
        }
    }

    // The checkpoint's one row: busy (1 when it could not finish), frames in the WAL when it ran (-1 when
    // the database is not in WAL mode).
    private static async Task<(long Busy, long Frames)> RunAsync(LeadHubDbContext db, string mode, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode})";
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, -1);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // What is in the WAL goes into the database file at a clean stop.
        try
        {
            if (await IsSqliteAsync(cancellationToken)) await CheckpointAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException) { log.LogWarning(e, "Final WAL checkpoint failed"); }
    }
}
