namespace LeadHub.Core.Postbacks;

// One postback to send (the outbox): one per lead and event, written by the pump once the lead's
// final state (or its approved return) is stored. Sent, retried and given up on by PostbackOutbox.
public sealed class PostbackRow
{
    public long Id { get; set; }
    public Guid LeadId { get; set; }
    public string Event { get; set; } = "";
    public string PublisherKey { get; set; } = "";

    // The values its template is filled with, frozen when the event happened.
    public string Campaign { get; set; } = "";
    public string? ExternalId { get; set; }
    public string? SubId { get; set; }
    public string Status { get; set; } = "";
    public decimal Payout { get; set; }
    public string? ReasonCode { get; set; }

    public string State { get; set; } = PostbackStates.Pending;
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }

    // A node sending it holds it until LeaseUntil; a node that died mid-send lets it go by itself.
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }

    // The last attempt as a manager sees it in the delivery log (never the signing secret).
    public DateTimeOffset? LastAttemptAt { get; set; }
    public string? LastRequest { get; set; }
    public int? LastStatus { get; set; }
    public string? LastError { get; set; }
    public string? LastAnswer { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }

    public PostbackValues Values => new(LeadId, ExternalId, SubId, Event, Status, Payout, ReasonCode, Campaign);
}

public static class PostbackStates
{
    public const string Pending = "pending", Delivered = "delivered", Failed = "failed";

    public static readonly IReadOnlyList<string> All = [Pending, Delivered, Failed];
}

// How far the pump has looked (by the leads' ReceivedAt, the returns' DecidedAt): it only moves
// forward, so enabling postbacks never sends the history, and a restart resumes where it stopped.
public sealed class PostbackCursorRow
{
    public string Name { get; set; } = "";
    public DateTimeOffset At { get; set; }
}
