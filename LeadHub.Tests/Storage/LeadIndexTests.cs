using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Tests.Storage;

// Three of the Leads indexes are partial (README "Performance": every index entry is a page the
// lead writer writes again at each commit). A partial index serves only the queries SQLite can
// prove it covers; these are the searches that must stay index lookups on a table of millions of
// leads, checked against the query plan of the migrated schema.
public sealed class LeadIndexTests
{
    [Fact]
    public async Task Leads_left_routing_are_found_for_recovery_through_the_status_index_not_a_scan()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var db = await MigratedAsync(database);
        Assert.Contains("INDEX IX_Leads_Status", await PlanAsync(db, db.Leads.Where(l => l.Status == LeadStatus.Routing)));
    }

    [Fact]
    public async Task Leads_waiting_for_a_manager_are_found_through_the_status_index_not_a_scan()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var db = await MigratedAsync(database);
        Assert.Contains("INDEX IX_Leads_Status",
            await PlanAsync(db, db.Leads.Where(l => l.Status == LeadStatus.Unknown && l.Owner != null)));
    }

    [Fact]
    public async Task A_managers_search_for_unknown_leads_goes_through_the_status_index_and_a_search_for_sold_ones_does_not()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var db = await MigratedAsync(database);
        // As the lead search filters: the status a bound value, newest first. SQLite matches the
        // bound value against the index's filter, so only an open status can use the index.
        string unknown = LeadStatus.Unknown, sold = LeadStatus.Sold;
        Assert.Contains("INDEX IX_Leads_Status", await PlanAsync(db, db.Leads.Where(l => l.Status == unknown).OrderByDescending(l => l.ReceivedAt)));
        Assert.DoesNotContain("IX_Leads_Status", await PlanAsync(db, db.Leads.Where(l => l.Status == sold).OrderByDescending(l => l.ReceivedAt)));
    }

    [Fact]
    public async Task A_repeated_Idempotency_Key_is_found_through_its_index()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var db = await MigratedAsync(database);
        List<string> publishers = ["p1", "p2"], keys = ["k1", "k2"];
        Assert.Contains("INDEX IX_Leads_PublisherKey_IdempotencyKey",
            await PlanAsync(db, db.Leads.Where(l => publishers.Contains(l.PublisherKey) && keys.Contains(l.IdempotencyKey!))));
    }

    [Fact]
    public async Task A_live_splits_leads_are_found_through_their_index()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var db = await MigratedAsync(database);
        var split = "split-1";
        Assert.Contains("INDEX IX_Leads_CampaignKey_SplitId",
            await PlanAsync(db, db.Leads.Where(l => l.CampaignKey == "c" && l.SplitId == split)));
    }

    [Fact]
    public async Task Two_leads_without_an_Idempotency_Key_from_one_publisher_are_both_stored()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var db = await MigratedAsync(database);
        db.Leads.AddRange(Lead(), Lead());
        await db.SaveChangesAsync();
        Assert.Equal(2, await db.Leads.CountAsync());
    }

    [Fact]
    public async Task A_second_lead_with_the_same_Idempotency_Key_from_the_same_publisher_is_refused_by_the_database()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var db = await MigratedAsync(database);
        db.Leads.Add(Lead("key-1"));
        await db.SaveChangesAsync();
        db.Leads.Add(Lead("key-1"));
        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
    }

    private static LeadRow Lead(string? idempotencyKey = null) => new()
    {
        Id = Guid.CreateVersion7(), CampaignKey = "c", PublisherKey = "p", IdempotencyKey = idempotencyKey,
        Status = LeadStatus.Sold, ReceivedAt = DateTimeOffset.UtcNow,
    };

    private static async Task<LeadHubDbContext> MigratedAsync(TestDatabase database)
    {
        var db = new LeadHubDbContext(new DbContextOptionsBuilder<LeadHubDbContext>().UseSqlite(database.ConnectionString).Options);
        await db.Database.MigrateAsync();
        return db;
    }

    // SQLite's plan for the query as EF Core writes it, its parameters bound.
    private static async Task<string> PlanAsync(LeadHubDbContext db, IQueryable<LeadRow> query)
    {
        await using var command = query.CreateDbCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        await db.Database.OpenConnectionAsync();
        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) plan.Add(reader.GetString(3));
        return string.Join(" | ", plan);
    }
}
