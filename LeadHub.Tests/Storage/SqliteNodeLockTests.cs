using LeadHub.Core;
using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Leads;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LeadHub.Tests.Storage;

// One node writes a SQLite database (its cap ledger and dedupe keys live in its memory): a second
// LeadHub on the same file must not start beside it.
public sealed class SqliteNodeLockTests : IAsyncLifetime
{
    private readonly TestDatabase _db = TestDatabase.CreateSqlite();
    private readonly string _dir = Directory.CreateTempSubdirectory("leadhub-node-lock-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Second_node_on_the_same_SQLite_file_is_refused_until_the_first_lets_go()
    {
        using var first = Lock(_db.ConnectionString);
        first.Take();

        using var second = Lock(_db.ConnectionString);
        var refused = Assert.Throws<InvalidOperationException>(second.Take);
        Assert.Contains("in use by another LeadHub process", refused.Message);
        Assert.Contains(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(_db.ConnectionString).DataSource, refused.Message);

        first.Dispose();
        second.Take();
        // Who holds it, for an operator who was refused (read without taking the lock).
        Assert.StartsWith($"{Environment.ProcessId} ", ReadWithoutLocking(_db.ConnectionString));
    }

    [Theory]
    [InlineData("Sqlite", "Data Source=:memory:")]
    [InlineData("Sqlite", "Data Source=shared;Mode=Memory;Cache=Shared")]
    [InlineData("Postgres", "Host=127.0.0.1;Database=leadhub")]
    public void Databases_without_a_shared_file_take_no_lock(string provider, string connectionString) =>
        Assert.Null(SqliteNodeLock.PathFor(provider, connectionString));

    [Fact]
    public void Second_LeadHub_process_on_the_same_SQLite_database_exits_saying_why_and_starts_once_the_first_is_killed()
    {
        var workspace = Path.Combine(_dir, "workspace.json");
        File.WriteAllText(workspace, "{}");
        using var first = AppProcess.Start(_db, "node-lock-admin-token-0123456789", workspace);

        var refused = Assert.Throws<InvalidOperationException>(() => AppProcess.Start(_db, "node-lock-admin-token-0123456789", workspace));
        Assert.Contains("in use by another LeadHub process", refused.Message);

        // A crash (SIGKILL) leaves nothing to clean up: the operating system dropped the lock.
        first.Kill();
        using var second = AppProcess.Start(_db, "node-lock-admin-token-0123456789", workspace);
    }

    private static SqliteNodeLock Lock(string connectionString)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:LeadHub"] = connectionString }).Build();
        var env = new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { ContentRootPath = Path.GetTempPath(), EnvironmentName = "Testing" };
        return new SqliteNodeLock(new LeadHubDbFactory(Options.Create(new LeadHubOptions()), config, env, NullLoggerFactory.Instance), config, env);
    }

    private static string ReadWithoutLocking(string connectionString)
    {
        var path = SqliteNodeLock.PathFor(DatabaseProviders.Sqlite, connectionString)!;
        // `cat` takes no lock; .NET's FileStream would ask for a shared one and be refused.
        using var cat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("cat", [path]) { RedirectStandardOutput = true })!;
        var text = cat.StandardOutput.ReadToEnd();
        cat.WaitForExit();
        return text;
    }
}
