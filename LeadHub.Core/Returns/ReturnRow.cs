namespace LeadHub.Core.Returns;

// A buyer's claim that a sold lead was bad (CONTRACT §5). The lead keeps its Price and Payout
// for history; an approved return carries the credit, which revenue and payout figures subtract.
public sealed class ReturnRow
{
    public Guid Id { get; set; }
    public Guid LeadId { get; set; }
    public string BuyerKey { get; set; } = "";
    public string CampaignKey { get; set; } = "";
    public string PublisherKey { get; set; } = "";
    public string Reason { get; set; } = "";
    public string Status { get; set; } = ReturnStatus.Pending;
    public DateTimeOffset RequestedAt { get; set; }

    // The buyer's key for a return through the API, or the portal user who entered it.
    public string RequestedBy { get; set; } = "";
    public DateTimeOffset? DecidedAt { get; set; }
    public string? DecidedBy { get; set; }
    public string? DecisionNote { get; set; }

    // The sale price and the publisher payout at stake; they count only once approved.
    public decimal Credit { get; set; }
    public decimal PayoutReversed { get; set; }
}

public static class ReturnStatus
{
    public const string Pending = "pending", Approved = "approved", Denied = "denied";
}
