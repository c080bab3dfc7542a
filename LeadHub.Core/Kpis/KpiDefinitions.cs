namespace LeadHub.Core.Kpis;

// A figure's name as shown, what it means in a manager's words, and a short name for a table column.
public sealed record KpiDefinition(string Name, string Definition, string? Short = null)
{
    public string ColumnTitle => Short ?? Name;
}

// Every figure the dashboard, the breakdown tables and README show, and its definition, declared
// once: the portal shows these texts on hover and a test keeps README's table equal to them.
// The computations are in KpiFigures (CONTRACT §6); a change of meaning changes both.
public static class KpiDefinitions
{
    public static readonly KpiDefinition Leads = new("Leads",
        "Leads received (valid, invalid and duplicate); test leads excluded.");
    public static readonly KpiDefinition Offered = new("Leads offered",
        "Leads this buyer was pinged or posted for, once per lead however many of its contracts took part.", "Offered");
    public static readonly KpiDefinition Sold = new("Sold", "Leads sold to a buyer.");
    public static readonly KpiDefinition Revenue = new("Revenue", "Sale prices minus approved return credits.");
    public static readonly KpiDefinition RevenuePerLead = new("Revenue per lead",
        "Revenue / leads received. \"—\" when there are no leads.", "RPL");
    public static readonly KpiDefinition Margin = new("Margin",
        "Revenue minus publisher payouts (net of payouts reversed by returns). Negative is shown in red.");
    public static readonly KpiDefinition SellThrough = new("Sell-through",
        "Sold / valid leads (invalid and duplicate leads are left out). \"—\" when there are no valid leads.");
    public static readonly KpiDefinition WinRate = new("Win rate",
        "Sold to this buyer / leads offered to it. \"—\" when it was offered none.");
    public static readonly KpiDefinition AverageBid = new("Average bid", "Mean of the bids above $0 (passes are left out).");
    public static readonly KpiDefinition Pings = new("Pings", "Pings sent to buyers (skipped contracts are not pings).");
    public static readonly KpiDefinition Posts = new("Posts", "Posts sent to buyers, after a ping or direct.");
    public static readonly KpiDefinition PingToPost = new("Ping-to-post",
        "Posts to contracts that were pinged for that lead / pings. Direct posts have no ping and are left out, " +
        "so it never exceeds 100 %. Aim for at least 1 post per 10 pings (10 %).");
    public static readonly KpiDefinition RejectRate = new("Buyer reject rate",
        "Posts the buyer rejected, timed out or errored on / posts (alert above 30 %).", "Reject rate");
    public static readonly KpiDefinition ReturnRate = new("Return rate", "Approved returns / sold leads.");

    public static readonly IReadOnlyList<KpiDefinition> All =
    [
        Leads, Offered, Sold, Revenue, RevenuePerLead, Margin, SellThrough, WinRate, AverageBid, Pings, Posts, PingToPost,
        RejectRate, ReturnRate,
    ];
}
