using System.Text.Json;
using System.Text.Json.Nodes;
using LeadHub.Core.Returns;
using LeadHub.Core.Storage;
using LeadHub.Core.Validation;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Leads;

// What a lead search asks for. Times are UTC instants: `From` inclusive, `To` exclusive.
// PhoneKey/EmailKey are the normalised keys (E.164, lower-case email), as stored.
public sealed record LeadFilter(
    string? Status = null, string? Campaign = null, string? Publisher = null, string? Buyer = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null, string? PhoneKey = null, string? EmailKey = null);

public sealed record LeadListItem(Guid Id, string Status, string CampaignKey, string PublisherKey, string? SubId, bool Test,
    decimal? Price, string? BuyerKey, string? ContractKey, decimal Payout, DateTimeOffset ReceivedAt);

public sealed record LeadSearchResult(int Total, IReadOnlyList<LeadListItem> Items);

public sealed record TraceStepView(string Kind, string? Buyer, string? Contract, int? Tier, string Outcome, decimal? Bid, decimal? Price,
    string? Reason, int? LatencyMs, DateTimeOffset At);

// One lead as the portal and the admin API show it. Fields and errors are already repaired (a lead
// stored before bad Unicode was caught holds text that cannot be read as it is).
public sealed record LeadView(Guid Id, string Status, string CampaignKey, string PublisherKey, string? SubId, string? ExternalId, bool Test,
    decimal? Price, string? BuyerKey, string? ContractKey, decimal Payout, string? Reason, DateTimeOffset ReceivedAt, DateTimeOffset? FinishedAt,
    JsonNode? Fields, Dictionary<string, string[]>? Errors, IReadOnlyList<TraceStepView> Trace, ReturnRow? LatestReturn);

public sealed record LeadFieldView(string Name, string Value);

// The read side of leads: one place for the search, a lead with its trace and latest return,
// and what a role may see of personal data. Used by the admin API and the lead pages.
public sealed class LeadQueries(IDbContextFactory<LeadHubDbContext> dbFactory, RoutingSnapshotHolder snapshots)
{
    public static readonly IReadOnlyList<string> Statuses =
        [LeadStatus.Invalid, LeadStatus.Duplicate, LeadStatus.Routing, LeadStatus.Sold, LeadStatus.Unsold, LeadStatus.Returned, LeadStatus.Unknown];

    // Newest first unless `ascending`. `countAtMost` caps the count: counting a large table on
    // every page turn is the slow part of a search.
    public async Task<LeadSearchResult> SearchAsync(LeadFilter filter, int skip, int take, bool ascending = false,
        int? countAtMost = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var leads = db.Leads.AsNoTracking();
        if (filter.Status is not null) leads = leads.Where(l => l.Status == filter.Status);
        if (filter.Campaign is not null) leads = leads.Where(l => l.CampaignKey == filter.Campaign);
        if (filter.Publisher is not null) leads = leads.Where(l => l.PublisherKey == filter.Publisher);
        if (filter.Buyer is not null) leads = leads.Where(l => l.BuyerKey == filter.Buyer);
        if (filter.From is { } from) leads = leads.Where(l => l.ReceivedAt >= from);
        if (filter.To is { } to) leads = leads.Where(l => l.ReceivedAt < to);
        if (filter.PhoneKey is not null) leads = leads.Where(l => l.PhoneKey == filter.PhoneKey);
        if (filter.EmailKey is not null) leads = leads.Where(l => l.EmailKey == filter.EmailKey);

        var total = countAtMost is { } most ? await leads.Take(most).CountAsync(ct) : await leads.CountAsync(ct);
        var ordered = ascending
            ? leads.OrderBy(l => l.ReceivedAt).ThenBy(l => l.Id)
            : leads.OrderByDescending(l => l.ReceivedAt).ThenByDescending(l => l.Id);
        var items = await ordered.Skip(skip).Take(take)
            .Select(l => new LeadListItem(l.Id, l.Status, l.CampaignKey, l.PublisherKey, l.SubId, l.Test, l.Price, l.BuyerKey,
                l.ContractKey, l.Payout, l.ReceivedAt))
            .ToListAsync(ct);
        return new LeadSearchResult(total, items);
    }

    public async Task<LeadView?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var lead = await db.Leads.AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, ct);
        if (lead is null) return null;
        var trace = await db.TraceSteps.AsNoTracking().Where(s => s.LeadId == id).OrderBy(s => s.Seq)
            .Select(s => new TraceStepView(s.Kind, s.Buyer, s.Contract, s.Tier, s.Outcome, s.Bid, s.Price, s.Reason, s.LatencyMs, s.At))
            .ToListAsync(ct);
        var latestReturn = await db.Returns.AsNoTracking().Where(r => r.LeadId == id)
            .OrderByDescending(r => r.RequestedAt).FirstOrDefaultAsync(ct);
        return new LeadView(lead.Id, lead.Status, lead.CampaignKey, lead.PublisherKey, lead.SubId, lead.ExternalId, lead.Test,
            lead.Price, lead.BuyerKey, lead.ContractKey, lead.Payout, lead.Reason, lead.ReceivedAt, lead.FinishedAt,
            JsonNode.Parse(JsonUnicode.Repair(lead.FieldsJson)),
            lead.ErrorsJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, string[]>>(JsonUnicode.Repair(lead.ErrorsJson)),
            trace, latestReturn);
    }

    // A lead's fields as text, masked where the reader may not see personal data. A quarantined
    // lead keeps its raw input, which may be anything: every value is shown as text, and its
    // unknown fields may be PII too, so a reader without PII rights sees those masked as well.
    public IReadOnlyList<LeadFieldView> Fields(LeadView lead, bool seesPii)
    {
        var pii = snapshots.Current.Campaigns.GetValueOrDefault(lead.CampaignKey)?.Config.Fields
            .Where(f => f.Pii).Select(f => f.Name).ToHashSet() ?? [];
        var fields = lead.Fields as JsonObject ?? [];
        return fields.Select(kv =>
        {
            var text = kv.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : kv.Value?.ToJsonString() ?? "";
            var masked = !seesPii && (pii.Contains(kv.Key) || pii.Count == 0 || lead.Status == LeadStatus.Invalid);
            return new LeadFieldView(kv.Key, masked ? PiiMask.Mask(text) : text);
        }).ToList();
    }
}
