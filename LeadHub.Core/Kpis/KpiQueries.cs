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

    // Buckets of a day or a week start at midnight in `zone` (the reader's; UTC when none), so a
    // New York manager's "Mon" bar is Monday in New York.
    public async Task<KpiReport> ReportAsync(DateTimeOffset from, DateTimeOffset to, KpiSlice slice, KpiBucket bucket,
        CancellationToken ct = default, TimeZoneInfo? zone = null)
    {
        zone ??= TimeZoneInfo.Utc;
        var (start, end) = WholeMinutes(from, to);
        var previousStart = start - (end - start);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var minutes = await Sums(Rows(db, start, end, slice), r => r.Minute).ToListAsync(ct);
        var previous = await Sums(Rows(db, previousStart, start, slice), r => r.Minute).ToListAsync(ct);
        var byCampaign = await Sums(Rows(db, start, end, slice), r => r.CampaignKey).ToListAsync(ct);
        var byPublisher = await Sums(Rows(db, start, end, slice), r => new { r.PublisherKey, r.SubId }).ToListAsync(ct);
        var byBuyer = await Sums(Rows(db, start, end, slice), r => r.BuyerKey).ToListAsync(ct);

        var buckets = minutes
            .GroupBy(m => BucketStart(m.Key, bucket, zone))
            .ToDictionary(g => g.Key, g => KpiFigures.Sum(g.Select(m => m.Figures)));
        var series = new List<KpiPoint>();
        for (var t = BucketStart(start, bucket, zone); t < end; t = Next(t, bucket, zone))
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

    // Local days in `zone` (UTC when none); weeks start on Monday (ISO 8601); shorter buckets on
    // the zone's own clock (a +05:30 zone's hours start at :00 there).
    public static DateTimeOffset BucketStart(DateTimeOffset t, KpiBucket bucket, TimeZoneInfo? zone = null)
    {
        zone ??= TimeZoneInfo.Utc;
        var local = TimeZoneInfo.ConvertTime(t, zone);
        var day = local.Date;
        var start = bucket switch
        {
            KpiBucket.Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
            KpiBucket.Day => day,
            _ => local.DateTime.AddTicks(-(local.DateTime.Ticks % Length(bucket).Ticks)),
        };
        return bucket is KpiBucket.Week or KpiBucket.Day ? Instant(start, zone) : new DateTimeOffset(start, local.Offset).ToUniversalTime();
    }

    // A local day lasts 23 or 25 hours across a daylight-saving change: the next day or week is found
    // from a time safely inside it.
    private static DateTimeOffset Next(DateTimeOffset t, KpiBucket bucket, TimeZoneInfo zone) =>
        bucket is KpiBucket.Week or KpiBucket.Day ? BucketStart(t + Length(bucket) + TimeSpan.FromHours(2), bucket, zone) : t + Length(bucket);

    // The instant of a wall-clock time in a zone; a midnight skipped by a daylight-saving jump means the first instant after it.
    private static DateTimeOffset Instant(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(30);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }

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
