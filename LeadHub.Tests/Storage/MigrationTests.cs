using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Storage;

public sealed class MigrationTests
{
    // The SQLite schema of the first release: a database a user already has must keep working.
    private const string FirstRelease = "20261124130031_Initial";

    [Fact]
    public async Task A_database_of_the_first_release_is_upgraded_on_start_and_keeps_its_configuration_version()
    {
        await using var database = TestDatabase.CreateSqlite();
        var options = new DbContextOptionsBuilder<LeadHubDbContext>().UseSqlite(database.ConnectionString).Options;
        await using (var old = new LeadHubDbContext(options))
        {
            await old.GetService<IMigrator>().MigrateAsync(FirstRelease);
            await old.Database.ExecuteSqlRawAsync("""INSERT INTO "ConfigVersions" ("Id", "Version") VALUES (1, 41)""");
        }

        await using var host = LeadHubFactory.On(database);
        await host.ImportAsync(new Core.Workspace.WorkspaceDocument());

        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(42, (await db.ConfigVersions.SingleAsync(v => v.Id == 1)).Version);
    }
}
