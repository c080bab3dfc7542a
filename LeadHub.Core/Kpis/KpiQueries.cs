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
        var (start, end) = WholeMinutes(from, to);
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

    // Each buyer's figures over [from, to) (whole minutes), buyer '' (unsold leads) left out: the pings,
    // posts and rejects the reviews and the Returns page read.
    public async Task<IReadOnlyList<KpiBreakdownRow>> ByBuyerAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        var (start, end) = WholeMinutes(from, to);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var byBuyer = await Sums(Rows(db, start, end, new KpiSlice()).Where(r => r.BuyerKey != ""), r => r.BuyerKey).ToListAsync(ct);
        return byBuyer.Select(g => new KpiBreakdownRow(g.Key, null, g.Figures)).OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
    }

    // Rollups are per minute: a range widens to whole minutes, so the current minute is in.
    private static (DateTimeOffset Start, DateTimeOffset End) WholeMinutes(DateTimeOffset from, DateTimeOffset to)
    {
        var start = KpiRollups.MinuteOf(from);
        var end = KpiRollups.MinuteOf(to);
        if (end < to) end = end.AddMinutes(1);
        if (end <= start) end = start.AddMinutes(1);
        return (start, end);
    }

    // A chart of more bars than this is unreadable (60 one-minute bars of an hour overlap).
    public const int MaxBuckets = 40;

    // The smallest bucket that draws the range in at most MaxBuckets bars (the first bucket may
    // start before the range, hence the +1): an hour in 5 minutes, a day in hours, a month in days,
    // a quarter in weeks.
    public static KpiBucket BucketFor(TimeSpan range) =>
        Enum.GetValues<KpiBucket>().FirstOrDefault(b => Math.Ceiling(range / Length(b)) + 1 <= MaxBuckets, KpiBucket.Week);

    public static TimeSpan Length(KpiBucket bucket) => bucket switch
    {
        KpiBucket.Week => TimeSpan.FromDays(7),
        KpiBucket.Day => TimeSpan.FromDays(1),
        KpiBucket.Hour => TimeSpan.FromHours(1),
        KpiBucket.QuarterHour => TimeSpan.FromMinutes(15),
        KpiBucket.FiveMinutes => TimeSpan.FromMinutes(5),
        _ => TimeSpan.FromMinutes(1),
    };

    // UTC days; weeks start on Monday (ISO 8601).
    public static DateTimeOffset BucketStart(DateTimeOffset t, KpiBucket bucket)
    {
        var day = new DateTimeOffset(t.UtcDateTime.Date, TimeSpan.Zero);
        return bucket switch
        {
            KpiBucket.Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
            KpiBucket.Day => day,
            _ => new DateTimeOffset(t.UtcTicks - t.UtcTicks % Length(bucket).Ticks, TimeSpan.Zero),
        };
    }

    private static DateTimeOffset Next(DateTimeOffset t, KpiBucket bucket) => t + Length(bucket);

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
        rows.GroupBy(key).Select(SumsOf<TKey>.Select);

    // g => new Group<TKey>(g.Key, new KpiFigures { Leads = g.Sum(r => r.Leads), … }): one Sum per counter, built once per key type.
    private static class SumsOf<TKey>
    {
        public static readonly Expression<Func<IGrouping<TKey, KpiBucketRow>, Group<TKey>>> Select = Build();

        private static Expression<Func<IGrouping<TKey, KpiBucketRow>, Group<TKey>>> Build()
        {
            var g = Expression.Parameter(typeof(IGrouping<TKey, KpiBucketRow>), "g");
            var r = Expression.Parameter(typeof(KpiBucketRow), "r");
            var figures = Expression.MemberInit(Expression.New(typeof(KpiFigures)), KpiCounters.All.Select(p =>
                Expression.Bind(typeof(KpiFigures).GetProperty(p.Name)!, Expression.Call(typeof(Enumerable), nameof(Enumerable.Sum),
                    [typeof(KpiBucketRow)], g, Expression.Lambda(Expression.Property(r, p.Name), r)))));
            var group = Expression.New(typeof(Group<TKey>).GetConstructors().Single(), Expression.Property(g, nameof(IGrouping<TKey, KpiBucketRow>.Key)), figures);
            return Expression.Lambda<Func<IGrouping<TKey, KpiBucketRow>, Group<TKey>>>(group, g);
        }
    }

    private static List<KpiBreakdownRow> Ordered(IEnumerable<KpiBreakdownRow> rows) =>
        rows.OrderByDescending(r => r.Figures.Leads).ThenByDescending(r => r.Figures.Pings).ThenBy(r => r.Key).ThenBy(r => r.SubId).ToList();
}
