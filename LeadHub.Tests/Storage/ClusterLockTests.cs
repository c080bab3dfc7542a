using LeadHub.Core.Leads;
using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Scaling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Storage;

// The lock that makes two nodes store the same person (or Idempotency-Key) one after the other.
public sealed class ClusterLockTests : IAsyncLifetime
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

    private Task<LeadHubDbContext> ContextAsync() =>
        _host!.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();

    [PostgresFact]
    public async Task A_second_transaction_on_the_same_key_waits_for_the_first_to_commit_and_other_keys_do_not()
    {
        await using var first = await ContextAsync();
        await using var second = await ContextAsync();
        await using var other = await ContextAsync();
        await using var tx1 = await first.Database.BeginTransactionAsync();
        await ClusterLock.TakeAsync(first, ["phone|auto|+14155550100", "email|auto|ana@example.com"]);

        // Another person is never held up.
        await using (var tx3 = await other.Database.BeginTransactionAsync())
            await ClusterLock.TakeAsync(other, ["phone|auto|+14155550199"]).WaitAsync(TimeSpan.FromSeconds(10));

        await using var tx2 = await second.Database.BeginTransactionAsync();
        var waiting = ClusterLock.TakeAsync(second, ["email|auto|ana@example.com"]);
        await WaitUntilBlockedOnAdvisoryLockAsync();
        Assert.False(waiting.IsCompleted);

        await tx1.CommitAsync();
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }

    // The lead writer takes the lock in its dedupe read's round trip: the read must still run after
    // the lock is granted, or a person another node is storing that moment would be stored twice.
    [PostgresFact]
    public async Task A_lead_whose_person_another_node_is_storing_waits_for_it_and_is_stored_as_its_duplicate()
    {
        var writer = _host!.Services.GetRequiredService<LeadWriter>();
        var (campaign, phone) = ("lock-" + Guid.NewGuid().ToString("N"), "p-" + Guid.NewGuid().ToString("N"));
        NewLead Lead() => new(Guid.NewGuid(), campaign, "pub", null, null, null, false, LeadStatus.Routing, "{}", null,
            phone, null, DateTimeOffset.UtcNow, null, null, null);
        var since = DateTimeOffset.UtcNow.AddDays(-30);

        // The other node: holds the person's lock and has written its lead, not yet committed.
        await using var other = await ContextAsync();
        await using var tx = await other.Database.BeginTransactionAsync();
        await ClusterLock.TakeAsync(other, [$"phone|{campaign}|{phone}"]);
        var first = Lead();
        other.Leads.Add(new LeadRow
        {
            Id = first.Id, CampaignKey = campaign, PublisherKey = "pub", Status = LeadStatus.Routing, FieldsJson = "{}",
            PhoneKey = phone, ReceivedAt = first.ReceivedAt,
        });
        await other.SaveChangesAsync();

        var second = writer.ReceiveAsync(Lead(), since);
        await WaitUntilBlockedOnAdvisoryLockAsync();
        Assert.False(second.IsCompleted);

        await tx.CommitAsync();
        Assert.Equal(ReceiveOutcome.Duplicate, (await second.WaitAsync(TimeSpan.FromSeconds(10))).Outcome);
    }

    // Reads PostgreSQL's own view of who waits for what: no guessing with delays.
    private async Task WaitUntilBlockedOnAdvisoryLockAsync()
    {
        await using var observer = await ContextAsync();
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            var blocked = await observer.Database.SqlQuery<int>(
                $"SELECT COUNT(*)::int AS \"Value\" FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").SingleAsync();
            if (blocked > 0) return;
            await Task.Yield();
        }
        Assert.Fail("the second transaction never waited for the lock");
    }
}
