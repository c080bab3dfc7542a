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

    [Theory]
    [InlineData("Host=db;Database=leadhub;Username=app", LeadHubDbFactory.AutoPrepared)]
    [InlineData("Host=db;Database=leadhub;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;Database=leadhub;maxautoprepare=8", 8)]
    public void A_connection_string_prepares_statements_unless_it_says_how_many(string connectionString, int prepared)
    {
        Assert.Equal(prepared, new NpgsqlConnectionStringBuilder(LeadHubDbFactory.WithAutoPrepare(connectionString)).MaxAutoPrepare);
    }
}
