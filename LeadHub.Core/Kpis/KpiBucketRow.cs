namespace LeadHub.Core.Kpis;

// One minute of one slice (campaign, publisher, sub-id, buyer) and its KpiCounters, the counters
// every KPI of CONTRACT §6 is computed from. Everything about a lead lands in the minute it was
// received, so a range's ratios (sell-through, RPL) compare the same leads. Sub-id and buyer are ''
// when there is none: key columns cannot be null.
public sealed record KpiBucketRow : KpiCounters
{
    public DateTimeOffset Minute { get; set; }
    public string CampaignKey { get; set; } = "";
    public string PublisherKey { get; set; } = "";
    public string SubId { get; set; } = "";

    // The buyer that bought the lead ('' when unsold, invalid or duplicate) for the lead's own
    // counters; the pinged or posted buyer for pings, bids, posts and rejects.
    public string BuyerKey { get; set; } = "";
}
