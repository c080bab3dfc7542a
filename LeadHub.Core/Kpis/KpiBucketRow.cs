namespace LeadHub.Core.Kpis;

// One minute of one slice (campaign, publisher, sub-id, buyer): the counters every KPI of
// CONTRACT §6 is computed from. Everything about a lead lands in the minute it was received,
// so a range's ratios (sell-through, RPL) compare the same leads. Sub-id and buyer are ''
// when there is none: key columns cannot be null.
public sealed class KpiBucketRow
{
    public DateTimeOffset Minute { get; set; }
    public string CampaignKey { get; set; } = "";
    public string PublisherKey { get; set; } = "";
    public string SubId { get; set; } = "";

    // The buyer that bought the lead ('' when unsold, invalid or duplicate) for the lead's own
    // counters; the pinged or posted buyer for pings, bids, posts and rejects.
    public string BuyerKey { get; set; } = "";

    public int Leads { get; set; }
    public int Valid { get; set; }
    public int Invalid { get; set; }
    public int Duplicates { get; set; }
    public int Sold { get; set; }

    // Sale prices; approved return credits are kept apart so gross and net both stay visible.
    public decimal Revenue { get; set; }

    // Publisher payouts, net of payouts reversed by approved returns.
    public decimal Payout { get; set; }
    public int Pings { get; set; }
    public int Bids { get; set; }
    public decimal BidSum { get; set; }
    public int Posts { get; set; }
    public int Rejects { get; set; }
    public int Returns { get; set; }
    public decimal ReturnCredits { get; set; }
}
