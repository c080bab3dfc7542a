namespace LeadHub.Core.Kpis;

public enum KpiBucket { Minute, FiveMinutes, QuarterHour, Hour, Day, Week }

// A slice of traffic; null means every value. SubId "" is leads without a sub-id.
public sealed record KpiSlice(string? Campaign = null, string? Publisher = null, string? SubId = null, string? Buyer = null);

// Summed rollup counters of a range and slice, and the CONTRACT §6 figures derived from them:
// the one definition of each ratio (reject rate included) that the dashboard, API, reviews and
// Returns page all read.
// A ratio whose denominator is 0 is null ("no data"), not 0.
public sealed record KpiFigures : KpiCounters
{
    public static KpiFigures Zero => new();

    // Sale prices − approved return credits.
    public decimal Revenue => GrossRevenue - ReturnCredits;

    // Money per lead is shown in cents, like all money (CONTRACT: at most 2 decimals).
    public decimal? RevenuePerLead => Leads > 0 ? Math.Round(Revenue / Leads, 2, MidpointRounding.AwayFromZero) : null;
    public double? SellThrough => Valid > 0 ? (double)Sold / Valid : null;
    public double? PingToPost => Pings > 0 ? (double)PingedPosts / Pings : null;

    // Every sale: a shared lead counts once in Sold and once per buyer here (a buyer row's "sold").
    public long Sales => Sold + SharedSales;

    // Of the leads offered to a buyer, the share it bought (a buyer row's sell-through).
    public double? WinRate => Offered > 0 ? (double)Sales / Offered : null;
    public decimal? AverageBid => Bids > 0 ? Math.Round(BidSum / Bids, 2, MidpointRounding.AwayFromZero) : null;
    public double? RejectRate => Posts > 0 ? (double)Rejects / Posts : null;
    public double? ReturnRate => Sales > 0 ? (double)Returns / Sales : null;
    public decimal Margin => Revenue - Payout;

    public static KpiFigures operator +(KpiFigures a, KpiFigures b)
    {
        var sum = a with { };
        sum.Add(b);
        return sum;
    }

    public static KpiFigures Sum(IEnumerable<KpiFigures> figures) => figures.Aggregate(Zero, (a, b) => a + b);
}

public sealed record KpiPoint(DateTimeOffset Start, KpiFigures Figures);

// One row of a breakdown: a campaign, a buyer ('' = no buyer), or a publisher with a sub-id.
public sealed record KpiBreakdownRow(string Key, string? SubId, KpiFigures Figures);

// The figures of [From, To) (whole minutes), the same figures of the equal range just before
// it, one point per bucket, and breakdowns of the range.
public sealed record KpiReport(
    DateTimeOffset From,
    DateTimeOffset To,
    KpiBucket Bucket,
    KpiFigures Totals,
    KpiFigures Previous,
    IReadOnlyList<KpiPoint> Buckets,
    IReadOnlyList<KpiBreakdownRow> ByCampaign,
    IReadOnlyList<KpiBreakdownRow> ByPublisher,
    IReadOnlyList<KpiBreakdownRow> ByBuyer);
