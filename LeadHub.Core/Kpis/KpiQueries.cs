using System.Linq.Expressions;
using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Kpis;

// Reads KPI rollups only, never leads: a dashboard over a million leads sums at most one row
// per minute and slice. The database groups by minute (plain columns, any provider); hours and
// days are summed from minutes here, which keeps date arithmetic out of SQL.
public sealed class KpiQueries(IDbContextFactory<LeadHubDbContext> dbFactory)
{
    private sealed record Group<TKey>(TKey Key, KpiFigures Figures);

    public async Task<KpiReport> ReportAsync(DateTimeOffset from, DateTimeOffset to, KpiSlice slice, KpiBucket bucket,
        CancellationToken ct = default)
    {
        // Rollups are per minute: the range widens to whole minutes, so the current minute is in.
        var start = KpiRollups.MinuteOf(from);
        var end = KpiRollups.MinuteOf(to);
        if (end < to) end = end.AddMinutes(1);
        if (end <= start) end = start.AddMinutes(1);
        var previousStart = start - (end - start);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var minutes = await Sums(Rows(db, start, end, slice), r => r.Minute).ToListAsync(ct);
        var previous = await Sums(Rows(db, previousStart, start, slice), r => r.Minute).ToListAsync(ct);
        var byCampaign = await Sums(Rows(db, start, end, slice), r => r.CampaignKey).ToListAsync(ct);
        var byPublisher = await Sums(Rows(db, start, end, slice), r => new { r.PublisherKey, r.SubId }).ToListAsync(ct);
        var byBuyer = await Sums(Rows(db, start, end, slice), r => r.BuyerKey).ToListAsync(ct);

        var buckets = minutes
            .GroupBy(m => BucketStart(m.Key, bucket))
            .ToDictionary(g => g.Key, g => KpiFigures.Sum(g.Select(m => m.Figures)));
        var series = new List<KpiPoint>();
        for (var t = BucketStart(start, bucket); t < end; t = Next(t, bucket))
            series.Add(new KpiPoint(t, buckets.GetValueOrDefault(t) ?? KpiFigures.Zero));

        return new KpiReport(start, end, bucket,
            KpiFigures.Sum(minutes.Select(m => m.Figures)),
            KpiFigures.Sum(previous.Select(m => m.Figures)),
            series,
            Ordered(byCampaign.Select(g => new KpiBreakdownRow(g.Key, null, g.Figures))),
            Ordered(byPublisher.Select(g => new KpiBreakdownRow(g.Key.PublisherKey, g.Key.SubId, g.Figures))),
            Ordered(byBuyer.Select(g => new KpiBreakdownRow(g.Key, null, g.Figures))));
    }

    public static DateTimeOffset BucketStart(DateTimeOffset t, KpiBucket bucket) => bucket switch
    {
        KpiBucket.Day => new DateTimeOffset(t.UtcDateTime.Date, TimeSpan.Zero),
        KpiBucket.Hour => new DateTimeOffset(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero),
        _ => KpiRollups.MinuteOf(t),
    };

    private static DateTimeOffset Next(DateTimeOffset t, KpiBucket bucket) => bucket switch
    {
        KpiBucket.Day => t.AddDays(1),
        KpiBucket.Hour => t.AddHours(1),
        _ => t.AddMinutes(1),
    };

    private static IQueryable<KpiBucketRow> Rows(LeadHubDbContext db, DateTimeOffset start, DateTimeOffset end, KpiSlice slice)
    {
        var rows = db.KpiBuckets.AsNoTracking().Where(r => r.Minute >= start && r.Minute < end);
        if (slice.Campaign is { } campaign) rows = rows.Where(r => r.CampaignKey == campaign);
        if (slice.Publisher is { } publisher) rows = rows.Where(r => r.PublisherKey == publisher);
        if (slice.SubId is { } subId) rows = rows.Where(r => r.SubId == subId);
        if (slice.Buyer is { } buyer) rows = rows.Where(r => r.BuyerKey == buyer);
        return rows;
    }

    private static IQueryable<Group<TKey>> Sums<TKey>(IQueryable<KpiBucketRow> rows, Expression<Func<KpiBucketRow, TKey>> key) =>
        rows.GroupBy(key).Select(g => new Group<TKey>(g.Key, new KpiFigures
        {
            Leads = g.Sum(r => (long)r.Leads),
            Valid = g.Sum(r => (long)r.Valid),
            Invalid = g.Sum(r => (long)r.Invalid),
            Duplicates = g.Sum(r => (long)r.Duplicates),
            Sold = g.Sum(r => (long)r.Sold),
            GrossRevenue = g.Sum(r => r.Revenue),
            ReturnCredits = g.Sum(r => r.ReturnCredits),
            Payout = g.Sum(r => r.Payout),
            Pings = g.Sum(r => (long)r.Pings),
            Bids = g.Sum(r => (long)r.Bids),
            BidSum = g.Sum(r => r.BidSum),
            Posts = g.Sum(r => (long)r.Posts),
            Rejects = g.Sum(r => (long)r.Rejects),
            Returns = g.Sum(r => (long)r.Returns),
        }));

    private static List<KpiBreakdownRow> Ordered(IEnumerable<KpiBreakdownRow> rows) =>
        rows.OrderByDescending(r => r.Figures.Leads).ThenByDescending(r => r.Figures.Pings).ThenBy(r => r.Key).ThenBy(r => r.SubId).ToList();
}
