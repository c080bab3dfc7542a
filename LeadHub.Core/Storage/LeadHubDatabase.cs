using LeadHub.Core.Workspace;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Storage;

public static class DatabaseProviders
{
    public const string Sqlite = "Sqlite";
    public const string Postgres = "Postgres";

    public static bool IsPostgres(string? provider) => string.Equals(provider, Postgres, StringComparison.OrdinalIgnoreCase);

    public static string Validate(string? provider) =>
        IsPostgres(provider) ? Postgres
        : string.IsNullOrEmpty(provider) || string.Equals(provider, Sqlite, StringComparison.OrdinalIgnoreCase) ? Sqlite
        : throw new InvalidOperationException($"LeadHub:Database:Provider '{provider}' is not supported; use 'Sqlite' or 'Postgres'.");
}

// The one place that knows which database LeadHub runs on: everything else asks this factory
// for a LeadHubDbContext. Options are built once and contexts are pooled: a new context built its
// own service scope (dictionaries, DI lookups), which cost the hot path more than the query it ran.
public sealed class LeadHubDbFactory : IDbContextFactory<LeadHubDbContext>
{
    private readonly Func<LeadHubDbContext> _create;

    public LeadHubDbFactory(IOptions<LeadHubOptions> settings, IConfiguration config, IHostEnvironment env, ILoggerFactory loggers)
    {
        Provider = DatabaseProviders.Validate(settings.Value.Database.Provider);
        if (Provider == DatabaseProviders.Postgres)
        {
            ConnectionString = config.GetConnectionString("LeadHub") is { Length: > 0 } cs ? cs
                : throw new InvalidOperationException("LeadHub:Database:Provider is 'Postgres' but ConnectionStrings:LeadHub is empty.");
            var options = new DbContextOptionsBuilder<PostgresLeadHubDbContext>()
                .UseNpgsql(WithPoolTuning(ConnectionString))
                .UseLoggerFactory(loggers)
                .Options;
            _create = new PooledDbContextFactory<PostgresLeadHubDbContext>(options).CreateDbContext;
        }
        else
        {
            ConnectionString = SqliteConnectionString(config, env);
            var options = new DbContextOptionsBuilder<LeadHubDbContext>()
                .UseSqlite(ConnectionString)
                .AddInterceptors(SqlitePragmas.Instance)
                .UseLoggerFactory(loggers)
                .Options;
            _create = new PooledDbContextFactory<LeadHubDbContext>(options).CreateDbContext;
        }
    }

    public string Provider { get; }

    public string ConnectionString { get; }

    public LeadHubDbContext CreateDbContext() => _create();

    // Npgsql prepares none of its statements unless asked: each of the hot path's statements (the
    // dedupe read, a batch's unnest inserts and upserts) was parsed and planned again on every call,
    // on a server that shares the cores. Prepared once a connection has run them a few times, unless
    // the connection string says otherwise ("Max Auto Prepare=0" behind a pooler that cannot keep
    // prepared statements).
    public const int AutoPrepared = 64;

    // Tuned for the hot path unless the connection string names the setting itself:
    // - Max Auto Prepare (above);
    // - No Reset On Close: by default a connection given back to the pool is reset with seven
    //   statements (RESET ALL, UNLISTEN *, pg_advisory_unlock_all(), …) sent with its next command,
    //   about one reset a lead (pg_stat_statements: 9,102 for 9,000 leads). LeadHub keeps no session
    //   state (its locks are transaction locks, it sets nothing and listens to nothing), and an open
    //   transaction is still rolled back when a connection is closed.
    public static string WithPoolTuning(string connectionString)
    {
        var named = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>().Select(k => k.Replace(" ", "")).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var tuned = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!named.Contains("MaxAutoPrepare")) tuned.MaxAutoPrepare = AutoPrepared;
        if (!named.Contains("NoResetOnClose")) tuned.NoResetOnClose = true;
        return tuned.ConnectionString;
    }

    public static string SqliteConnectionString(IConfiguration config, IHostEnvironment env)
    {
        var configured = config.GetConnectionString("LeadHub");
        if (!string.IsNullOrWhiteSpace(configured)) return configured;
        var dataDir = Path.Combine(env.ContentRootPath, "data");
        Directory.CreateDirectory(dataDir);
        return new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDir, "leadhub.db"), Pooling = true }.ToString();
    }
}
