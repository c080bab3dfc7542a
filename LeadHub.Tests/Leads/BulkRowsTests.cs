using LeadHub.Core.Kpis;
using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Tests.Leads;

// The lead writer's raw statements (BulkRows) must store exactly what EF Core would: every value
// read back through the model equals what was written, on SQLite and on PostgreSQL.
public sealed class BulkRowsTests : IAsyncLifetime
{
    private readonly TestDatabase _database = TestDatabase.CreateDefault();

    public async Task InitializeAsync()
    {
        await using var db = Context();
        await db.Database.MigrateAsync();
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private LeadHubDbContext Context() => _database.IsPostgres
        ? new PostgresLeadHubDbContext(new DbContextOptionsBuilder<PostgresLeadHubDbContext>().UseNpgsql(_database.ConnectionString).Options)
        : new LeadHubDbContext(new DbContextOptionsBuilder<LeadHubDbContext>().UseSqlite(_database.ConnectionString)
            .AddInterceptors(SqlitePragmas.Instance).Options);

    private async Task WriteAsync(Func<BulkRows, Task> write)
    {
        await using var db = Context();
        await using var tx = await db.Database.BeginTransactionAsync();
        await write(new BulkRows(db));
        await tx.CommitAsync();
    }

    private static readonly DateTimeOffset At = new(2026, 12, 2, 10, 11, 12, 345, TimeSpan.Zero);

    private static LeadRow Lead(string? idempotencyKey = null) => new()
    {
        Id = Guid.NewGuid(), CampaignKey = "auto", PublisherKey = "pub", SubId = null, ExternalId = "ext-1", IdempotencyKey = idempotencyKey,
        Test = true, Status = LeadStatus.Routing, FieldsJson = """{"zip":"75001","note":"ünïcode ✓"}""", PhoneKey = "p1", ReceivedAt = At.AddMilliseconds(7),
        Owner = "node-1",
    };

    [Fact]
    public async Task A_lead_written_in_bulk_reads_back_exactly_as_written()
    {
        var lead = Lead("idem-1");
        await WriteAsync(bulk => bulk.InsertAsync([lead]));

        await using var db = Context();
        var read = await db.Leads.AsNoTracking().SingleAsync(l => l.Id == lead.Id);
        Assert.Equivalent(lead, read, strict: true);
    }

    [Fact]
    public async Task Statements_kept_prepared_across_transactions_write_each_ones_own_rows_and_start_over_on_a_new_connection()
    {
        using var statements = new PreparedStatements();
        var leads = new[] { Lead(), Lead(), Lead() };
        await using (var db = Context())
        {
            await db.Database.OpenConnectionAsync();
            foreach (var lead in leads[..2])
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                await new BulkRows(db, statements: statements).InsertAsync([lead]);
                await tx.CommitAsync();
            }
        }
        await using (var db = Context())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            await new BulkRows(db, statements: statements).InsertAsync([leads[2]]);
            await tx.CommitAsync();
        }

        await using var read = Context();
        var ids = leads.Select(l => l.Id).ToList();
        var rows = await read.Leads.AsNoTracking().Where(l => ids.Contains(l.Id)).ToListAsync();
        Assert.Equal(3, rows.Count);
        foreach (var lead in leads) Assert.Equivalent(lead, rows.Single(r => r.Id == lead.Id), strict: true);
    }

    [Fact]
    public async Task A_finish_updates_only_its_columns_and_the_last_update_of_a_lead_wins()
    {
        var lead = Lead();
        await WriteAsync(bulk => bulk.InsertAsync([lead]));

        string[] columns = [nameof(LeadRow.Status), nameof(LeadRow.Price), nameof(LeadRow.FinishedAt), nameof(LeadRow.Owner)];
        await WriteAsync(bulk => bulk.UpdateAsync([
            new LeadRow { Id = lead.Id, Status = LeadStatus.Unknown, Price = 1m, Owner = "x" },
            new LeadRow { Id = lead.Id, Status = LeadStatus.Sold, Price = 12.34m, FinishedAt = At, Owner = null },
        ], columns));

        await using var db = Context();
        var read = await db.Leads.AsNoTracking().SingleAsync(l => l.Id == lead.Id);
        Assert.Equal((LeadStatus.Sold, 12.34m, (DateTimeOffset?)At, (string?)null), (read.Status, read.Price, read.FinishedAt, read.Owner));
        Assert.Equal((lead.FieldsJson, lead.ExternalId, lead.ReceivedAt), (read.FieldsJson, read.ExternalId, read.ReceivedAt));
    }

    [Fact]
    public async Task Counters_upserted_twice_add_up_exactly_in_decimals()
    {
        var key = "c|buyer-c|d|20261202";
        await WriteAsync(bulk => bulk.UpsertAddAsync([new CapCounterRow { Key = key, Count = 1, Amount = 0.10m, UpdatedAt = At }],
            [nameof(CapCounterRow.Count), nameof(CapCounterRow.Amount)]));
        await WriteAsync(bulk => bulk.UpsertAddAsync([new CapCounterRow { Key = key, Count = 2, Amount = 0.20m, UpdatedAt = At.AddMinutes(1) }],
            [nameof(CapCounterRow.Count), nameof(CapCounterRow.Amount)]));

        var rollup = new KpiBucketRow { Minute = At, CampaignKey = "auto", PublisherKey = "pub", GrossRevenue = 10.01m, Sold = 1 };
        await WriteAsync(bulk => bulk.UpsertAddAsync([rollup], KpiCounters.All.Select(p => p.Name).ToList()));
        await WriteAsync(bulk => bulk.UpsertAddAsync([rollup with { GrossRevenue = 0.02m }], KpiCounters.All.Select(p => p.Name).ToList()));

        await using var db = Context();
        var counter = await db.CapCounters.AsNoTracking().SingleAsync(c => c.Key == key);
        Assert.Equal((3, 0.30m, At.AddMinutes(1)), (counter.Count, counter.Amount, counter.UpdatedAt));
        var bucket = await db.KpiBuckets.AsNoTracking().SingleAsync(b => b.CampaignKey == "auto");
        Assert.Equal((2, 10.03m), (bucket.Sold, bucket.GrossRevenue));
    }

    [Fact]
    public async Task Counters_a_row_does_not_add_to_start_at_zero_and_keep_what_other_rows_added()
    {
        // SQLite binds only a row's non-zero counters: the ones left out must read as zero in a new row
        // and stay as they were in a row already there, whichever counters each write carries.
        var sums = KpiCounters.All.Select(p => p.Name).ToList();
        var pinged = new KpiBucketRow { Minute = At, CampaignKey = "auto", PublisherKey = "pub", BuyerKey = "b1", Offered = 1, Pings = 1, Bids = 1, BidSum = 4.25m };
        var unpinged = new KpiBucketRow { Minute = At, CampaignKey = "auto", PublisherKey = "pub", BuyerKey = "b2" };
        await WriteAsync(bulk => bulk.UpsertAddAsync([pinged, unpinged], sums));
        await WriteAsync(bulk => bulk.UpsertAddAsync([pinged with { Bids = 0, BidSum = 0m }], sums));
        await WriteAsync(bulk => bulk.UpsertAddAsync([new KpiBucketRow
        {
            Minute = At, CampaignKey = "auto", PublisherKey = "pub", BuyerKey = "b1", Leads = 1, Valid = 1, Sold = 1, GrossRevenue = 12.50m, Payout = 8.00m,
        }], sums));
        await WriteAsync(bulk => bulk.UpsertAddAsync([unpinged with { Payout = -0.75m }], sums));

        await using var db = Context();
        var rows = await db.KpiBuckets.AsNoTracking().Where(b => b.CampaignKey == "auto").ToListAsync();
        var b1 = rows.Single(r => r.BuyerKey == "b1");
        var b2 = rows.Single(r => r.BuyerKey == "b2");
        Assert.Equal((2L, 2L, 1L, 4.25m, 1L, 1L, 1L, 12.50m, 8.00m, 0L, 0m, 0L),
            (b1.Offered, b1.Pings, b1.Bids, b1.BidSum, b1.Leads, b1.Valid, b1.Sold, b1.GrossRevenue, b1.Payout, b1.Posts, b1.ReturnCredits, b1.Rejects));
        Assert.Equal(KpiCounters.All.Select(p => p.Name == nameof(KpiCounters.Payout) ? -0.75m : 0m),
            KpiCounters.All.Select(p => Convert.ToDecimal(p.GetValue(b2))));
    }

    [Fact]
    public async Task Many_trace_steps_of_many_leads_are_written_in_one_call()
    {
        var leads = Enumerable.Range(0, 300).Select(_ => Lead()).ToList();
        var steps = leads.SelectMany(l => Enumerable.Range(0, 11).Select(seq => new TraceStepRow
        {
            LeadId = l.Id, Seq = seq, Kind = "ping", Buyer = seq % 2 == 0 ? null : "b" + seq, Outcome = "bid", Bid = seq + 0.5m, LatencyMs = seq, At = At,
        })).ToList();
        await WriteAsync(async bulk =>
        {
            await bulk.InsertAsync(leads);
            await bulk.InsertAsync(steps);
        });

        await using var db = Context();
        Assert.Equal(3300, await db.TraceSteps.CountAsync());
        var one = await db.TraceSteps.AsNoTracking().SingleAsync(s => s.LeadId == leads[7].Id && s.Seq == 3);
        Assert.Equivalent(steps.Single(s => s.LeadId == leads[7].Id && s.Seq == 3), one, strict: true);
    }
}
