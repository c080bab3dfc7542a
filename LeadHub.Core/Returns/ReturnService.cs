using System.Text.Json;
using LeadHub.Core.Routing;
using LeadHub.Core.Kpis;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Returns;

// Why a return was not taken or not decided. The API maps each to its HTTP status; the portal
// shows the message.
public abstract record ReturnRefusal(string Message)
{
    public sealed record InvalidText(string Field, string Why) : ReturnRefusal($"{Field} {Why}");

    public sealed record UnknownLead(Guid LeadId) : ReturnRefusal($"There is no lead {LeadId}.");

    // Not sold at all, sold to another buyer, or a test lead (never billed).
    public sealed record NotSold(string Why) : ReturnRefusal(Why);

    public sealed record OutsideWindow(int Days, DateTimeOffset SoldAt)
        : ReturnRefusal($"The return window of {Days} day(s) after the sale ({SoldAt:yyyy-MM-dd HH:mm} UTC) has passed.");

    public sealed record AlreadyReturned(Guid ReturnId, string Status)
        : ReturnRefusal($"This lead already has a return that is {Status} ({ReturnId}).");

    public sealed record UnknownReturn(Guid ReturnId) : ReturnRefusal($"There is no return {ReturnId}.");

    public sealed record AlreadyDecided(Guid ReturnId, string Status) : ReturnRefusal($"Return {ReturnId} was already {Status}.");
}

public sealed record ReasonCount(string Reason, int Count);

// What the returns queue shows: all of it optional; dates are of the request, [From, To).
public sealed record ReturnFilter(string? Status = null, string? Buyer = null, string? Campaign = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null);

// A return with the end of its lead's return window (the sale plus the campaign's returnWindowDays).
public sealed record ReturnItem(ReturnRow Row, DateTimeOffset WindowEndsAt)
{
    // Whole days left, rounded down; 0 on the last day, negative once passed.
    public int DaysLeft(DateTimeOffset now) => (int)Math.Floor((WindowEndsAt - now).TotalDays);
}

public sealed record BulkDecision(IReadOnlyList<ReturnRow> Decided, IReadOnlyList<ReturnRefusal> Refused);

// A buyer's posts and rejects come from the KPI rollups (KpiFigures: the one reject rate); the
// trace is read only for the top reasons.
public sealed record BuyerRejectStats(string Buyer, KpiFigures Figures, IReadOnlyList<ReasonCount> TopReasons,
    int ReturnsRequested, int ReturnsApproved, double AlertRate)
{
    public long Posts => Figures.Posts;
    public long Rejected => Figures.Rejects;
    public double? RejectRate => Figures.RejectRate;

    public bool AboveAlert => RejectRate > AlertRate;
}

// Returns and reject reviews (CONTRACT §5). The lead table stays the record of the sale; a
// return row is the claim against it and, once approved, the credit.
public sealed class ReturnService(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    RoutingSnapshotHolder snapshots,
    KpiQueries kpis,
    TimeProvider time,
    IOptions<LeadHubOptions> options)
{
    public const int MaxTextLength = 1000;

    // The same threshold the reject review job alerts on (CONTRACT §6: 30 % by default), so the
    // portal flags exactly the buyers the job raises alerts for.
    public double RejectAlertRate => options.Value.Reviews.RejectRateThreshold;

    // `buyerKey` is the buyer asking through the API; null when a portal user enters the return.
    public async Task<(ReturnRow? Return, ReturnRefusal? Refusal)> RequestAsync(Guid leadId, string? buyerKey, string? reason, string actor,
        CancellationToken ct = default)
    {
        reason = reason?.Trim() ?? "";
        if (reason.Length == 0) return (null, new ReturnRefusal.InvalidText("reason", "is required"));
        if (reason.Length > MaxTextLength) return (null, new ReturnRefusal.InvalidText("reason", $"must be at most {MaxTextLength} characters"));

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var lead = await db.Leads.AsNoTracking().FirstOrDefaultAsync(l => l.Id == leadId, ct);
        if (lead is null) return (null, new ReturnRefusal.UnknownLead(leadId));
        var now = time.GetUtcNow();
        if (await RefusalAsync(db, lead, buyerKey, now, ct) is { } refused) return (null, refused);
        // A shared lead: the buyer's own sale, its price and its share of the payout; nothing of the others.
        var sale = await SaleOfAsync(db, lead.Id, buyerKey, ct);

        var row = new ReturnRow
        {
            Id = Guid.CreateVersion7(now),
            LeadId = lead.Id,
            BuyerKey = sale?.BuyerKey ?? lead.BuyerKey!,
            CampaignKey = lead.CampaignKey,
            PublisherKey = lead.PublisherKey,
            Reason = reason,
            Status = ReturnStatus.Pending,
            RequestedAt = now,
            RequestedBy = actor,
            Credit = sale?.Price ?? lead.Price ?? 0,
            PayoutReversed = sale?.Payout ?? lead.Payout,
        };
        db.Returns.Add(row);
        db.Audit.Add(Audit(row, "request return", actor, now));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The unique index on open returns: another request for this lead won the race.
            await using var fresh = await dbFactory.CreateDbContextAsync(ct);
            if (await OpenReturnAsync(fresh, leadId, row.BuyerKey, ct) is { } raced) return (null, new ReturnRefusal.AlreadyReturned(raced.Id, raced.Status));
            throw;
        }
        return (row, null);
    }

    // Why this lead cannot be returned now (by `buyerKey`, or by a manager when null), or null.
    // The one list of rules: a request, the CSV import's preview and its apply all use it.
    internal async Task<ReturnRefusal?> RefusalAsync(LeadHubDbContext db, LeadRow lead, string? buyerKey, DateTimeOffset now, CancellationToken ct)
    {
        // A shared lead: each buyer returns its own sale; a manager names the buyer whose sale it is.
        var sales = await db.LeadSales.AsNoTracking().Where(s => s.LeadId == lead.Id).ToListAsync(ct);
        if (sales.Count > 0)
        {
            if (buyerKey is null)
                return new ReturnRefusal.NotSold($"This lead was sold shared to {sales.Count} buyers; return it as one of them ({string.Join(", ", sales.Select(s => s.BuyerKey))}).");
            var sale = sales.FirstOrDefault(s => s.BuyerKey == buyerKey);
            if (sale is null) return new ReturnRefusal.NotSold("This lead was not sold to this buyer.");
            if (await OpenReturnAsync(db, lead.Id, buyerKey, ct) is { } openSale) return new ReturnRefusal.AlreadyReturned(openSale.Id, openSale.Status);
            if (lead.Status is not (LeadStatus.Sold or LeadStatus.Returned))
                return new ReturnRefusal.NotSold($"Only sold leads can be returned; this one is {lead.Status}.");
        }
        // Checked before anything else: a buyer learns nothing about leads it did not buy.
        else if (buyerKey is not null && lead.BuyerKey != buyerKey) return new ReturnRefusal.NotSold("This lead was not sold to this buyer.");
        else if (await OpenReturnAsync(db, lead.Id, null, ct) is { } open) return new ReturnRefusal.AlreadyReturned(open.Id, open.Status);
        else if (lead.Status != LeadStatus.Sold || lead.BuyerKey is null)
            return new ReturnRefusal.NotSold($"Only sold leads can be returned; this one is {lead.Status}.");
        if (lead.Test) return new ReturnRefusal.NotSold("Test leads are never billed, so there is nothing to return.");
        var soldAt = SoldAt(lead);
        if (now > WindowEndsAt(lead.CampaignKey, soldAt)) return new ReturnRefusal.OutsideWindow(WindowDays(lead.CampaignKey), soldAt);
        return null;
    }

    // The window runs from the sale, which is when routing finished.
    private static DateTimeOffset SoldAt(LeadRow lead) => lead.FinishedAt ?? lead.ReceivedAt;

    public int WindowDays(string campaignKey) =>
        snapshots.Current.Campaigns.GetValueOrDefault(campaignKey)?.Config.ReturnWindowDays ?? new CampaignConfig().ReturnWindowDays;

    public DateTimeOffset WindowEndsAt(string campaignKey, DateTimeOffset soldAt) => soldAt.AddDays(WindowDays(campaignKey));

    // Several returns with one note (the portal's bulk approve / deny): each decided on its own,
    // so one already decided elsewhere is reported and the rest still go through.
    public async Task<BulkDecision> DecideManyAsync(IReadOnlyCollection<Guid> returnIds, bool approve, string? note, string actor,
        CancellationToken ct = default)
    {
        var decided = new List<ReturnRow>();
        var refused = new List<ReturnRefusal>();
        foreach (var id in returnIds.Distinct())
        {
            var (row, refusal) = await DecideAsync(id, approve, note, actor, ct);
            if (row is not null) decided.Add(row);
            if (refusal is not null) refused.Add(refusal);
        }
        return new BulkDecision(decided, refused);
    }

    public async Task<(ReturnRow? Return, ReturnRefusal? Refusal)> DecideAsync(Guid returnId, bool approve, string? note, string actor,
        CancellationToken ct = default)
    {
        note = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        if (note?.Length > MaxTextLength) return (null, new ReturnRefusal.InvalidText("note", $"must be at most {MaxTextLength} characters"));

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var row = await db.Returns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == returnId, ct);
        if (row is null) return (null, new ReturnRefusal.UnknownReturn(returnId));
        if (row.Status != ReturnStatus.Pending) return (null, new ReturnRefusal.AlreadyDecided(returnId, row.Status));

        var now = time.GetUtcNow();
        var status = approve ? ReturnStatus.Approved : ReturnStatus.Denied;
        // Conditional on still pending, so of two concurrent decisions exactly one takes effect.
        var updated = await db.Returns.Where(r => r.Id == returnId && r.Status == ReturnStatus.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, status)
                .SetProperty(r => r.DecidedAt, now)
                .SetProperty(r => r.DecidedBy, actor)
                .SetProperty(r => r.DecisionNote, note), ct);
        if (updated == 0)
        {
            var decided = await db.Returns.AsNoTracking().Where(r => r.Id == returnId).Select(r => r.Status).FirstAsync(ct);
            return (null, new ReturnRefusal.AlreadyDecided(returnId, decided));
        }

        // The lead keeps its price and payout for history; its status says the sale was credited back
        // (a shared lead's once every one of its sales is).
        if (approve)
        {
            await db.LeadSales.Where(s => s.LeadId == row.LeadId && s.BuyerKey == row.BuyerKey)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.ReturnedAt, now), ct);
            await db.Leads.Where(l => l.Id == row.LeadId && l.Status == LeadStatus.Sold
                                      && !db.LeadSales.Any(s => s.LeadId == l.Id && s.ReturnedAt == null))
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.Status, LeadStatus.Returned), ct);
            // Revenue and publisher payout are credited back in the KPI rollups, in this same transaction.
            var lead = await db.Leads.AsNoTracking().FirstAsync(l => l.Id == row.LeadId, ct);
            var rollups = new KpiRollups();
            rollups.AddReturn(lead, row.Credit, row.PayoutReversed, row.BuyerKey);
            await rollups.ApplyAsync(db, ct);
        }
        row.Status = status;
        row.DecidedAt = now;
        row.DecidedBy = actor;
        row.DecisionNote = note;
        db.Audit.Add(Audit(row, approve ? "approve return" : "deny return", actor, now));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return (row, null);
    }

    public async Task<ReturnRow?> FindAsync(Guid returnId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Returns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == returnId, ct);
    }

    // The returns queue: pending ones oldest first (the queue is worked in the order buyers asked),
    // then the latest decided ones; each with the end of its lead's return window.
    public async Task<(IReadOnlyList<ReturnItem> Pending, IReadOnlyList<ReturnItem> Decided)> QueueAsync(ReturnFilter? filter = null,
        CancellationToken ct = default)
    {
        filter ??= new ReturnFilter();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var returns = db.Returns.AsNoTracking();
        if (filter.Buyer is { Length: > 0 } buyer) returns = returns.Where(r => r.BuyerKey == buyer);
        if (filter.Campaign is { Length: > 0 } campaign) returns = returns.Where(r => r.CampaignKey == campaign);
        if (filter.From is { } from) returns = returns.Where(r => r.RequestedAt >= from);
        if (filter.To is { } to) returns = returns.Where(r => r.RequestedAt < to);
        var pending = filter.Status is null or ReturnStatus.Pending
            ? await returns.Where(r => r.Status == ReturnStatus.Pending).OrderBy(r => r.RequestedAt).Take(500).ToListAsync(ct)
            : [];
        var decided = filter.Status is null or ReturnStatus.Approved or ReturnStatus.Denied
            ? await returns.Where(r => r.Status != ReturnStatus.Pending && (filter.Status == null || r.Status == filter.Status))
                .OrderByDescending(r => r.DecidedAt).Take(200).ToListAsync(ct)
            : [];
        var leadIds = pending.Concat(decided).Select(r => r.LeadId).Distinct().ToList();
        var soldAt = await db.Leads.AsNoTracking().Where(l => leadIds.Contains(l.Id))
            .Select(l => new { l.Id, At = l.FinishedAt ?? l.ReceivedAt }).ToDictionaryAsync(l => l.Id, l => l.At, ct);
        ReturnItem Item(ReturnRow r) => new(r, WindowEndsAt(r.CampaignKey, soldAt.GetValueOrDefault(r.LeadId, r.RequestedAt)));
        return (pending.Select(Item).ToList(), decided.Select(Item).ToList());
    }

    // Post rejections (rejected, timeout, error) and returns per buyer in [from, to): counts from the
    // KPI rollups (leads received in the range), reasons from the rejected posts' trace rows.
    public async Task<IReadOnlyList<BuyerRejectStats>> RejectStatsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        var sent = (await kpis.ByBuyerAsync(from, to, ct)).Where(b => b.Figures.Posts > 0).ToDictionary(b => b.Key, b => b.Figures);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var reasons = await db.TraceSteps.AsNoTracking()
            .Where(s => s.Kind == TraceKinds.Post && s.Buyer != null && TraceOutcomes.Rejections.Contains(s.Outcome) && s.At >= from && s.At < to)
            .GroupBy(s => new { Buyer = s.Buyer!, Reason = s.Reason ?? s.Outcome })
            .Select(g => new { g.Key.Buyer, g.Key.Reason, Count = g.Count() })
            .ToListAsync(ct);
        var returns = await db.Returns.AsNoTracking().Where(r => r.RequestedAt >= from && r.RequestedAt < to)
            .GroupBy(r => r.BuyerKey)
            .Select(g => new { Buyer = g.Key, Requested = g.Count(), Approved = g.Count(r => r.Status == ReturnStatus.Approved) })
            .ToListAsync(ct);

        var byReturns = returns.ToDictionary(r => r.Buyer);
        return sent.Keys.Union(byReturns.Keys).Order(StringComparer.Ordinal).Select(buyer =>
        {
            var r = byReturns.GetValueOrDefault(buyer);
            var top = reasons.Where(x => x.Buyer == buyer).OrderByDescending(x => x.Count).ThenBy(x => x.Reason, StringComparer.Ordinal)
                .Take(3).Select(x => new ReasonCount(x.Reason, x.Count)).ToList();
            return new BuyerRejectStats(buyer, sent.GetValueOrDefault(buyer) ?? KpiFigures.Zero, top, r?.Requested ?? 0, r?.Approved ?? 0,
                RejectAlertRate);
        }).ToList();
    }

    // `buyer`: the sale of a shared lead; null: any return of the lead.
    private static Task<ReturnRow?> OpenReturnAsync(LeadHubDbContext db, Guid leadId, string? buyer, CancellationToken ct) =>
        db.Returns.AsNoTracking()
            .Where(r => r.LeadId == leadId && (buyer == null || r.BuyerKey == buyer) && (r.Status == ReturnStatus.Pending || r.Status == ReturnStatus.Approved))
            .FirstOrDefaultAsync(ct);

    // A shared lead's sale to this buyer; null for an exclusive sale (the lead row is the sale).
    private static Task<LeadSaleRow?> SaleOfAsync(LeadHubDbContext db, Guid leadId, string? buyer, CancellationToken ct) =>
        buyer is null ? Task.FromResult<LeadSaleRow?>(null)
            : db.LeadSales.AsNoTracking().FirstOrDefaultAsync(s => s.LeadId == leadId && s.BuyerKey == buyer, ct);

    private static AuditRow Audit(ReturnRow row, string action, string actor, DateTimeOffset at) => new()
    {
        At = at,
        Actor = actor,
        Action = action,
        EntityType = "return",
        EntityKey = row.Id.ToString(),
        After = JsonSerializer.Serialize(new
        {
            lead = row.LeadId, buyer = row.BuyerKey, campaign = row.CampaignKey, reason = row.Reason, status = row.Status,
            credit = row.Credit, payoutReversed = row.PayoutReversed, note = row.DecisionNote,
        }),
    };
}
