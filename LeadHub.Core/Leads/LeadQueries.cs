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
// `Statuses` is any of several (with `Status`, both must match). State and zip are the values of
// the fields named `state` and `zip` as a valid lead stores them (two-letter code; zip prefix).
public sealed record LeadFilter(
    string? Status = null, string? Campaign = null, string? Publisher = null, string? Buyer = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null, string? PhoneKey = null, string? EmailKey = null)
{
    public IReadOnlyList<string>? Statuses { get; init; }
    public Guid? LeadId { get; init; }
    public string? ExternalId { get; init; }
    public string? SubId { get; init; }
    public string? State { get; init; }
    public string? Zip { get; init; }
}

// The columns a lead search can be sorted by; ties are broken by id so paging is stable.
public enum LeadSort { Received, Status, Campaign, Publisher, Buyer, Price, Payout }

// One lead as an export writes it: the list columns plus what a CSV adds (external id, fields).
public sealed record LeadExportRow(Guid Id, DateTimeOffset ReceivedAt, string Status, string CampaignKey, string PublisherKey, string? SubId,
    string? ExternalId, bool Test, string? BuyerKey, string? ContractKey, decimal? Price, decimal Payout, string FieldsJson);

public sealed record LeadListItem(Guid Id, string Status, string CampaignKey, string PublisherKey, string? SubId, bool Test,
    decimal? Price, string? BuyerKey, string? ContractKey, decimal Payout, DateTimeOffset ReceivedAt, string? ExternalId = null);

public sealed record LeadSearchResult(int Total, IReadOnlyList<LeadListItem> Items);

public sealed record TraceStepView(string Kind, string? Buyer, string? Contract, int? Tier, string Outcome, decimal? Bid, decimal? Price,
    string? Reason, int? LatencyMs, DateTimeOffset At);

// One lead as the portal and the admin API show it. Fields and errors are already repaired (a lead
// stored before bad Unicode was caught holds text that cannot be read as it is).
public sealed record LeadView(Guid Id, string Status, string CampaignKey, string PublisherKey, string? SubId, string? ExternalId, bool Test,
    decimal? Price, string? BuyerKey, string? ContractKey, decimal Payout, string? Reason, DateTimeOffset ReceivedAt, DateTimeOffset? FinishedAt,
    JsonNode? Fields, Dictionary<string, string[]>? Errors, IReadOnlyList<TraceStepView> Trace, ReturnRow? LatestReturn)
{
    // Every sale of the lead: one for an exclusive sale, one per buyer when it sold shared.
    public IReadOnlyList<SaleView> Sales { get; init; } = [];
}

// One buyer's purchase of a lead and its share of the publisher payout; Returned once a return of it is approved.
public sealed record SaleView(string Buyer, string Contract, decimal Price, decimal Payout, bool Returned);

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
        int? countAtMost = null, CancellationToken ct = default, LeadSort sort = LeadSort.Received)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var leads = Where(db, db.Leads.AsNoTracking(), filter);
        var total = countAtMost is { } most ? await leads.Take(most).CountAsync(ct) : await leads.CountAsync(ct);
        var items = await Order(leads, sort, ascending).Skip(skip).Take(take)
            .Select(l => new LeadListItem(l.Id, l.Status, l.CampaignKey, l.PublisherKey, l.SubId, l.Test, l.Price, l.BuyerKey,
                l.ContractKey, l.Payout, l.ReceivedAt, l.ExternalId))
            .ToListAsync(ct);
        return new LeadSearchResult(total, items);
    }

    // Every lead of a search, read as the caller writes them (an export streams them to the
    // client without holding them). The context lives as long as the enumeration.
    public async IAsyncEnumerable<LeadExportRow> StreamAsync(LeadFilter filter, LeadSort sort = LeadSort.Received, bool ascending = false,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = Order(Where(db, db.Leads.AsNoTracking(), filter), sort, ascending)
            .Select(l => new LeadExportRow(l.Id, l.ReceivedAt, l.Status, l.CampaignKey, l.PublisherKey, l.SubId, l.ExternalId, l.Test,
                l.BuyerKey, l.ContractKey, l.Price, l.Payout, l.FieldsJson))
            .AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(ct)) yield return row;
    }

    private static IQueryable<LeadRow> Where(LeadHubDbContext db, IQueryable<LeadRow> leads, LeadFilter filter)
    {
        if (filter.Status is not null) leads = leads.Where(l => l.Status == filter.Status);
        if (filter.Statuses is { Count: > 0 } statuses) leads = leads.Where(l => statuses.Contains(l.Status));
        if (filter.Campaign is not null) leads = leads.Where(l => l.CampaignKey == filter.Campaign);
        if (filter.Publisher is not null) leads = leads.Where(l => l.PublisherKey == filter.Publisher);
        // A shared lead is found by any of its buyers, not only the first.
        if (filter.Buyer is not null)
            leads = leads.Where(l => l.BuyerKey == filter.Buyer || db.LeadSales.Any(s => s.LeadId == l.Id && s.BuyerKey == filter.Buyer));
        if (filter.From is { } from) leads = leads.Where(l => l.ReceivedAt >= from);
        if (filter.To is { } to) leads = leads.Where(l => l.ReceivedAt < to);
        if (filter.PhoneKey is not null) leads = leads.Where(l => l.PhoneKey == filter.PhoneKey);
        if (filter.EmailKey is not null) leads = leads.Where(l => l.EmailKey == filter.EmailKey);
        if (filter.LeadId is { } id) leads = leads.Where(l => l.Id == id);
        if (filter.ExternalId is not null) leads = leads.Where(l => l.ExternalId == filter.ExternalId);
        if (filter.SubId is not null) leads = leads.Where(l => l.SubId == filter.SubId);
        // Matched in the stored JSON text (a valid lead's fields are written compactly): no column
        // of their own, so these narrow a scan the other filters (time, campaign) have bounded.
        if (filter.State is not null)
        {
            var state = $"\"state\":\"{filter.State.ToUpperInvariant()}\"";
            leads = leads.Where(l => l.FieldsJson.Contains(state));
        }
        if (filter.Zip is not null)
        {
            var zip = $"\"zip\":\"{filter.Zip}";
            leads = leads.Where(l => l.FieldsJson.Contains(zip));
        }
        return leads;
    }

    // Money sorts as a double: SQLite stores decimals as text and cannot order them (cents survive the cast).
    private static IOrderedQueryable<LeadRow> Order(IQueryable<LeadRow> leads, LeadSort sort, bool ascending) => (sort, ascending) switch
    {
        (LeadSort.Status, true) => leads.OrderBy(l => l.Status).ThenBy(l => l.Id),
        (LeadSort.Status, false) => leads.OrderByDescending(l => l.Status).ThenByDescending(l => l.Id),
        (LeadSort.Campaign, true) => leads.OrderBy(l => l.CampaignKey).ThenBy(l => l.Id),
        (LeadSort.Campaign, false) => leads.OrderByDescending(l => l.CampaignKey).ThenByDescending(l => l.Id),
        (LeadSort.Publisher, true) => leads.OrderBy(l => l.PublisherKey).ThenBy(l => l.SubId).ThenBy(l => l.Id),
        (LeadSort.Publisher, false) => leads.OrderByDescending(l => l.PublisherKey).ThenByDescending(l => l.SubId).ThenByDescending(l => l.Id),
        (LeadSort.Buyer, true) => leads.OrderBy(l => l.BuyerKey).ThenBy(l => l.Id),
        (LeadSort.Buyer, false) => leads.OrderByDescending(l => l.BuyerKey).ThenByDescending(l => l.Id),
        (LeadSort.Price, true) => leads.OrderBy(l => (double?)l.Price).ThenBy(l => l.Id),
        (LeadSort.Price, false) => leads.OrderByDescending(l => (double?)l.Price).ThenByDescending(l => l.Id),
        (LeadSort.Payout, true) => leads.OrderBy(l => (double)l.Payout).ThenBy(l => l.Id),
        (LeadSort.Payout, false) => leads.OrderByDescending(l => (double)l.Payout).ThenByDescending(l => l.Id),
        (_, true) => leads.OrderBy(l => l.ReceivedAt).ThenBy(l => l.Id),
        _ => leads.OrderByDescending(l => l.ReceivedAt).ThenByDescending(l => l.Id),
    };

    public async Task<LeadView?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var lead = await db.Leads.AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, ct);
        if (lead is null) return null;
        var trace = (await LeadTraces.OfAsync(db, id, ct))
            .Select(s => new TraceStepView(s.Kind, s.Buyer, s.Contract, s.Tier, s.Outcome, s.Bid, s.Price, s.Reason, s.LatencyMs, s.At))
            .ToList();
        var latestReturn = await db.Returns.AsNoTracking().Where(r => r.LeadId == id)
            .OrderByDescending(r => r.RequestedAt).FirstOrDefaultAsync(ct);
        var sales = await db.LeadSales.AsNoTracking().Where(s => s.LeadId == id).ToListAsync(ct);
        // An exclusive sale is the lead row itself.
        IReadOnlyList<SaleView> saleViews = sales.Count > 0
            ? [.. sales.OrderByDescending(s => s.Price).ThenBy(s => s.BuyerKey, StringComparer.Ordinal)
                .Select(s => new SaleView(s.BuyerKey, s.ContractKey, s.Price, s.Payout, s.ReturnedAt is not null))]
            : lead.Status is LeadStatus.Sold or LeadStatus.Returned && lead.BuyerKey is not null
                ? [new SaleView(lead.BuyerKey, lead.ContractKey ?? "", lead.Price ?? 0, lead.Payout, lead.Status == LeadStatus.Returned)]
                : [];
        return new LeadView(lead.Id, lead.Status, lead.CampaignKey, lead.PublisherKey, lead.SubId, lead.ExternalId, lead.Test,
            lead.Price, lead.BuyerKey, lead.ContractKey, lead.Payout, lead.Reason, lead.ReceivedAt, lead.FinishedAt,
            JsonNode.Parse(JsonUnicode.Repair(lead.FieldsJson)),
            lead.ErrorsJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, string[]>>(JsonUnicode.Repair(lead.ErrorsJson)),
            trace, latestReturn) { Sales = saleViews };
    }

    // Why each contract of the lead's campaign did or did not get it (the lead page's "why not this buyer").
    public IReadOnlyList<Lab.ContractVerdict> WhyNot(LeadView lead) =>
        Lab.WhyNotThisBuyer.Explain(lead.Status, lead.Test, lead.Trace,
            snapshots.Current.Contracts.Values.Where(c => c.Config.Campaign == lead.CampaignKey));

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
