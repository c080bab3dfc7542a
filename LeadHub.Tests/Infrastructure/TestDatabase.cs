using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

namespace LeadHub.Tests.Infrastructure;

// A throwaway database for one test host: a SQLite file by default, or a fresh PostgreSQL
// database when LEADHUB_TEST_PROVIDER=Postgres (the server is LEADHUB_TEST_POSTGRES; test.sh starts one).
// Two hosts given the same instance are two nodes on one database.
public sealed class TestDatabase : IAsyncDisposable
{
    private const string ServerVariable = "LEADHUB_TEST_POSTGRES";

    private TestDatabase(string provider, string connectionString, Func<ValueTask> drop)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _drop = drop;
    }

    private readonly Func<ValueTask> _drop;
    private int _dropped;

    public string Provider { get; }

    public string ConnectionString { get; }

    public bool IsPostgres => Provider == "Postgres";

    // The PostgreSQL server the Postgres suite runs on, or null where none is configured.
    public static string? PostgresServer => Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } s ? s : null;

    public static bool DefaultIsPostgres =>
        string.Equals(Environment.GetEnvironmentVariable("LEADHUB_TEST_PROVIDER"), "Postgres", StringComparison.OrdinalIgnoreCase);

    public static TestDatabase CreateDefault() => DefaultIsPostgres ? CreatePostgres() : CreateSqlite();

    public static TestDatabase CreateSqlite()
    {
        var path = Path.Combine(Path.GetTempPath(), $"leadhub-test-{Guid.NewGuid():N}.db");
        return new TestDatabase("Sqlite", $"Data Source={path}", () =>
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            // LeadHub's file and Hangfire's beside it (LeadHub.Web.Jobs.JobStorageChoice).
            var jobs = Path.ChangeExtension(path, null) + "-jobs.db";
            foreach (var file in new[] { path, jobs })
            foreach (var suffix in new[] { "", "-wal", "-shm", SqliteNodeLock.Suffix }) File.Delete(file + suffix);
            return ValueTask.CompletedTask;
        });
    }

    // LeadHub's schema on this SQLite file, behind a context factory set up as the app sets up its own
    // (the pragmas' interceptor); `connectionString` overrides this database's (e.g. without pooling).
    public async Task<PooledDbContextFactory<LeadHubDbContext>> MigratedSqliteAsync(string? connectionString = null)
    {
        var factory = new PooledDbContextFactory<LeadHubDbContext>(new DbContextOptionsBuilder<LeadHubDbContext>()
            .UseSqlite(connectionString ?? ConnectionString).AddInterceptors(SqlitePragmas.Instance).Options);
        await using var db = await factory.CreateDbContextAsync();
        await db.Database.MigrateAsync();
        return factory;
    }

    public static TestDatabase CreatePostgres()
    {
        var server = PostgresServer ?? throw new InvalidOperationException(
            $"{ServerVariable} is not set: run the tests through test.sh, which starts a PostgreSQL server");
        var name = $"leadhub_t_{Guid.NewGuid():N}";
        using (var admin = new NpgsqlConnection(server))
        {
            admin.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            create.ExecuteNonQuery();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        return new TestDatabase("Postgres", connectionString, async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(server);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        });
    }

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _dropped, 1) == 0 ? _drop() : ValueTask.CompletedTask;
}
