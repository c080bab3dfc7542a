using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace LeadHub.Core.Storage;

// One node writes a SQLite database: the in-memory cap ledger, the dedupe keys kept in memory
// (SeenKeys) and the recovery of leads left open at start all rely on it. A second LeadHub process on
// the same file (a deploy that starts the new version before the old one stopped, `dotnet run` twice)
// would exceed caps, sell a repeated person and take over the first process's leads in flight. So a
// node holds an exclusive lock on a file beside the database for its whole life, and a node that
// cannot take it refuses to start. The operating system drops the lock when the process ends, however
// it ends (a crash or `kill -9` leaves nothing to clean up). PostgreSQL takes several nodes.
public sealed class SqliteNodeLock(LeadHubDbFactory database, IConfiguration config, IHostEnvironment env) : IDisposable
{
    public const string Suffix = ".node-lock";

    // `LeadHub:Testing:ShareSqliteFile` (Testing only): the test hosts that play a second node of a
    // cluster on the suite's SQLite database (the PostgreSQL suite runs the same tests on a server).
    private readonly bool _shared = env.IsEnvironment("Testing") && config.GetValue<bool>("LeadHub:Testing:ShareSqliteFile");

    private FileStream? _held;

    // The lock file's path, or null where there is no file to share (PostgreSQL, an in-memory database)
    // or no plain path to put one beside (a `file:` URI, which LeadHub never writes itself).
    public static string? PathFor(string provider, string connectionString)
    {
        if (provider != DatabaseProviders.Sqlite) return null;
        var cs = new SqliteConnectionStringBuilder(connectionString);
        if (cs.Mode == SqliteOpenMode.Memory || cs.DataSource is "" or ":memory:" || cs.DataSource.StartsWith("file:", StringComparison.Ordinal))
            return null;
        return Path.GetFullPath(cs.DataSource) + Suffix;
    }

    public void Take()
    {
        if (_held is not null || _shared || PathFor(database.Provider, database.ConnectionString) is not { } path) return;
        try
        {
            // FileShare.None is an exclusive advisory lock (flock) on Linux and macOS, a sharing lock on Windows.
            _held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException(
                $"The SQLite database {path[..^Suffix.Length]} is in use by another LeadHub process (its process id is in {path}). " +
                "One node writes a SQLite database: stop the other process first, or run several nodes on PostgreSQL (README \"Scaling out\").", e);
        }
        // For whoever is refused: which process holds it.
        _held.SetLength(0);
        using var note = new StreamWriter(_held, leaveOpen: true);
        note.WriteLine($"{Environment.ProcessId} {Environment.MachineName} {DateTimeOffset.UtcNow:O}");
    }

    public void Dispose()
    {
        _held?.Dispose();
        _held = null;
    }
}
