using System.Reflection;

namespace LeadHub.Core.Kpis;

// The counters every KPI of CONTRACT §6 is computed from, declared once. A rollup row
// (KpiBucketRow) stores them per minute and slice; KpiFigures sums them over a range and derives
// the ratios. The rollup SQL, compaction, queries and sums all loop over `All`, so adding a
// counter is one property here, a migration pair and its use (KpiRollups, KpiFigures).
public record KpiCounters
{
    public long Leads { get; set; }
    public long Valid { get; set; }
    public long Invalid { get; set; }
    public long Duplicates { get; set; }
    public long Sold { get; set; }

    // Sale prices before return credits (approved returns are kept apart so gross and net both stay visible).
    public decimal GrossRevenue { get; set; }
    public decimal ReturnCredits { get; set; }

    // Publisher payouts, net of payouts reversed by approved returns.
    public decimal Payout { get; set; }
    public long Pings { get; set; }
    public long Bids { get; set; }
    public decimal BidSum { get; set; }
    public long Posts { get; set; }

    // Posts the buyer turned down, timed out on or errored on (CONTRACT §2); not a post whose answer a crash hid.
    public long Rejects { get; set; }
    public long Returns { get; set; }

    // Leads offered to a buyer: pinged or posted to it at least once, counted once per lead and
    // buyer (a buyer with two contracts in a campaign is offered the lead once). Only a buyer row
    // has them; the buyer breakdown's "leads" are these, not the leads it bought.
    public long Offered { get; set; }

    // Posts to a contract that was pinged for that lead (CONTRACT §6 ping-to-post): a direct post
    // has no ping, so it is a post but not one of these.
    public long PingedPosts { get; set; }

    // Sales of a shared lead after its first, under their buyer: the lead counts once in Sold
    // (under the buyer of its first sale); a buyer's own sales are Sold + SharedSales.
    public long SharedSales { get; set; }

    // Every counter (each a long or a decimal), in declaration order.
    public static readonly IReadOnlyList<PropertyInfo> All =
        typeof(KpiCounters).GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly);

    // Adds another set of counters to this one.
    public void Add(KpiCounters other)
    {
        foreach (var p in All)
        {
            object sum = p.PropertyType == typeof(long)
                ? (object)((long)p.GetValue(this)! + (long)p.GetValue(other)!)
                : (decimal)p.GetValue(this)! + (decimal)p.GetValue(other)!;
            p.SetValue(this, sum);
        }
    }
}
