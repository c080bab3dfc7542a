using System.Collections.Concurrent;
using Hangfire;
using Hangfire.Storage;
using Hangfire.Storage.SQLite;
using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Jobs;

// On the embedded default Hangfire keeps its jobs in a SQLite file beside LeadHub's database:
// what was queued or scheduled when a node stopped runs when it comes back.
public sealed class JobsSurviveRestartTests
{
    [Fact]
    public async Task A_job_enqueued_and_one_scheduled_before_a_restart_run_after_it()
    {
        await using var database = TestDatabase.CreateSqlite();
        var enqueued = Guid.NewGuid().ToString("N");
        var scheduled = Guid.NewGuid().ToString("N");

        // First life: no job server, so both jobs are still waiting when the node stops.
        await using (var before = JobHost.On(database, runServer: false))
        {
            Assert.IsType<SQLiteStorage>(before.Services.GetRequiredService<JobStorage>());
            var jobs = before.Services.GetRequiredService<IBackgroundJobClient>();
            jobs.Enqueue<RestartProbe>(p => p.Run(enqueued));
            // Due while the node is down: the next node's scheduler enqueues it on its first pass.
            jobs.Schedule<RestartProbe>(p => p.Run(scheduled), DateTimeOffset.UtcNow.AddMinutes(-1));
            Assert.False(RestartProbe.Ran.ContainsKey(enqueued));
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        // Second life on the same files, with a job server.
        await using var after = JobHost.On(database, runServer: true);
        _ = after.Services; // starts the host and its job server
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(RestartProbe.Ran.ContainsKey(enqueued) && RestartProbe.Ran.ContainsKey(scheduled)) && DateTime.UtcNow < deadline)
            await RestartProbe.Signal.WaitAsync(TimeSpan.FromSeconds(1));
        Assert.True(RestartProbe.Ran.ContainsKey(enqueued), "the enqueued job did not run after the restart");
        Assert.True(RestartProbe.Ran.ContainsKey(scheduled), "the scheduled job did not run after the restart");
    }

    [Fact]
    public async Task Hangfire_sqlite_storage_and_LeadHub_database_work_side_by_side_in_one_process()
    {
        // sqlite-net (Hangfire's storage) and Microsoft.Data.Sqlite (EF Core) share one native
        // e_sqlite3: both must read and write in the same process.
        await using var database = TestDatabase.CreateSqlite();
        await using var host = JobHost.On(database, runServer: false);
        var storage = host.Services.GetRequiredService<JobStorage>();
        host.Services.GetRequiredService<IRecurringJobManager>().AddOrUpdate<RestartProbe>("side-by-side", p => p.Run("x"), Cron.Daily());
        using (var connection = storage.GetConnection())
            Assert.Contains(connection.GetRecurringJobs(), j => j.Id == "side-by-side");

        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        Assert.Equal(0, await db.Leads.CountAsync());
        var jobsFile = JobStorageChoice.SqlitePathBeside(database.ConnectionString)!;
        Assert.True(File.Exists(jobsFile));
        Assert.EndsWith("-jobs.db", jobsFile);
    }

    [Theory]
    [InlineData("Data Source=/var/lib/leadhub/leadhub.db", "/var/lib/leadhub/leadhub-jobs.db")]
    [InlineData("Data Source=/srv/x/live.sqlite;Pooling=True", "/srv/x/live-jobs.sqlite")]
    [InlineData("Data Source=:memory:", null)]
    [InlineData("Data Source=shared;Mode=Memory;Cache=Shared", null)]
    public void Jobs_file_sits_beside_the_LeadHub_database(string leadHub, string? expected) =>
        Assert.Equal(expected, JobStorageChoice.SqlitePathBeside(leadHub));

    private sealed class JobHost(TestDatabase database, bool runServer) : LeadHubFactory(database, ownsDatabase: false)
    {
        public static JobHost On(TestDatabase database, bool runServer) => new(database, runServer);

        protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
            [new("LeadHub:Jobs:RunServer", runServer ? "true" : "false")];
    }
}

// A job the tests can see run: Hangfire activates it through the host's container.
public sealed class RestartProbe
{
    public static readonly ConcurrentDictionary<string, bool> Ran = new();
    public static readonly SemaphoreSlim Signal = new(0);

    public void Run(string token)
    {
        Ran[token] = true;
        Signal.Release();
    }
}
