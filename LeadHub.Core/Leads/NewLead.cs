using LeadHub.Core.Kpis;
using LeadHub.Core.Storage;

namespace LeadHub.Core.Leads;

// A lead as intake hands it to the writer: a message that nobody changes (a retried write starts
// from it again); only the writer makes a row of it.
public sealed record NewLead(
    Guid Id,
    string CampaignKey,
    string PublisherKey,
    string? SubId,
    string? ExternalId,
    string? IdempotencyKey,
    bool Test,
    string Status,
    string FieldsJson,
    string? ErrorsJson,
    string? PhoneKey,
    string? EmailKey,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? FinishedAt,
    Guid? PingId,
    string? Owner)
{
    // The live split this lead belongs to and its arm (SplitArms.A or .B); null outside a split.
    public string? SplitId { get; init; }
    public string? SplitArm { get; init; }

    public RoutedLead Routed => new(Id, PublisherKey, PingId, Test, ReceivedAt, new KpiLead(CampaignKey, PublisherKey, SubId, Test, ReceivedAt));
}

// What routing needs of a stored lead: a new one, or one that recovery or a manager routes again.
public sealed record RoutedLead(Guid Id, string PublisherKey, Guid? PingId, bool Test, DateTimeOffset ReceivedAt, KpiLead Kpi)
{
    // Routing measures its deadline from arrival, so a lead routed again gets a fresh one; its
    // figures still belong to the minute and source it arrived in.
    public static RoutedLead Again(LeadRow lead, DateTimeOffset now) =>
        new(lead.Id, lead.PublisherKey, lead.PingId, lead.Test, now, KpiLead.Of(lead));
}
