using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;
using LeadHub.Core.Storage;
using Microsoft.Data.Sqlite;

namespace LeadHub.Web.Jobs;

// Where Hangfire keeps its queue, schedules and history: PostgreSQL's own schema when LeadHub runs
// on PostgreSQL (shared by every node), else a SQLite file of its own beside LeadHub's database,
// so job history, retries and recurring schedules survive a restart.
//
// Not LeadHub's own file: SQLite has one write lock per file, and the lead writer owns that lock
// for its batched commits. Hangfire writes on its own connections several times a second
// (heartbeats, queue polling, distributed locks); in the same file every one of those writes
// would queue behind a commit or make a commit wait, on the hot path. A file of its own costs nothing.
public static class JobStorageChoice
{
    public static JobStorage Create(LeadHubDbFactory db)
    {
        if (db.Provider == DatabaseProviders.Postgres)
        {
            var options = new PostgreSqlStorageOptions { SchemaName = "hangfire", PrepareSchemaIfNecessary = true };
            return new PostgreSqlStorage(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(db.ConnectionString, options), options);
        }
        var path = SqlitePathBeside(db.ConnectionString);
        return path is null
            ? new Hangfire.InMemory.InMemoryStorage()
            : new SQLiteStorage(path, new SQLiteStorageOptions());
    }

    // data/leadhub.db -> data/leadhub-jobs.db. A LeadHub database in memory (tests, demos) has
    // no place to put a file beside it: its jobs live in memory too.
    public static string? SqlitePathBeside(string leadHubConnectionString)
    {
        var builder = new SqliteConnectionStringBuilder(leadHubConnectionString);
        var source = builder.DataSource;
        if (builder.Mode == SqliteOpenMode.Memory || string.IsNullOrEmpty(source) || source == ":memory:")
            return null;
        var full = Path.GetFullPath(source);
        return Path.Combine(Path.GetDirectoryName(full)!, Path.GetFileNameWithoutExtension(full) + "-jobs" + Path.GetExtension(full));
    }
}
