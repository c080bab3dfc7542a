using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeadHub.Core.Kpis;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Suppression;
using LeadHub.Core.Validation;
using LeadHub.Core.Workspace;
using LeadHub.Core.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeadHub.Core.Leads;

// InputErrors: fields whose text was not valid Unicode (repaired in Fields); the lead is invalid.
public sealed record LeadSubmission(string Campaign, string? SubId, string? ExternalId, bool Test, JsonElement Fields,
    IReadOnlyDictionary<string, string[]>? InputErrors = null);

public abstract record IntakeResult
{
    // ReasonCode: ReasonCodes' code for a lead that did not sell (null when sold).
    public sealed record Processed(Guid LeadId, string Status, decimal Payout, IReadOnlyList<string> Reasons, string? ReasonCode = null) : IntakeResult;
    public sealed record Invalid(Guid? LeadId, IReadOnlyDictionary<string, string[]> Errors) : IntakeResult;
    public sealed record UnknownCampaign(string Campaign) : IntakeResult;
    public sealed record NotAllowed(string Campaign) : IntakeResult;

    public sealed record SubIdBlocked(string SubId) : IntakeResult;
    public sealed record PingOffer(Guid PingId, decimal Offer, DateTimeOffset ExpiresAt, string? ReasonCode = null) : IntakeResult;
    public sealed record UnknownPing : IntakeResult;
    public sealed record PingAlreadyPosted(Guid LeadId) : IntakeResult;
    public sealed record CampaignMismatch(string Expected) : IntakeResult;
}

// A lead's life from the publisher's request to its final state: validate, store (the
// durability point), dedupe, route, finish, answer.
public sealed class LeadIntake(
    RoutingSnapshotHolder snapshots,
    LeadWriter writer,
    Auction auction,
    Settle settle,
    IDbContextFactory<LeadHubDbContext> dbFactory,
    NodeIdentity node,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    CrashPoints crash,
    SuppressionLists suppression,
    ILogger<LeadIntake> log)
{
    private readonly ConcurrentDictionary<(string Publisher, string Key), Task<IntakeResult>> _inFlight = new();

    public Task<IntakeResult> SubmitAsync(PublisherSnapshot publisher, LeadSubmission lead, string? idempotencyKey) =>
        idempotencyKey is null
            ? SubmitCoreAsync(publisher, lead, null, null)
            : OnceAsync(publisher, idempotencyKey, () => SubmitCoreAsync(publisher, lead, idempotencyKey, null));

    // CONTRACT §1 two-step: price the lead on its non-PII fields and hold the bids.
    public async Task<IntakeResult> PingAsync(PublisherSnapshot publisher, LeadSubmission lead)
    {
        if (!(publisher.Workspace ?? snapshots.Current).Campaigns.TryGetValue(lead.Campaign, out var campaign)) return new IntakeResult.UnknownCampaign(lead.Campaign);
        if (!publisher.MayPostTo(lead.Campaign)) return new IntakeResult.NotAllowed(lead.Campaign);
        if (publisher.Blocks(lead.SubId)) return new IntakeResult.SubIdBlocked(lead.SubId!);
        var validation = LeadValidator.Validate(campaign.Config.Fields, lead.Fields, ValidationMode.PingOnly).WithErrors(lead.InputErrors);
        if (!validation.IsValid) return new IntakeResult.Invalid(null, validation.Errors);

        var pingId = Guid.CreateVersion7();
        var now = time.GetUtcNow();
        // A live split decides the arm by the ping's id: the post of this ping stores PingId and
        // routes by the same id (ArmKeyOf), so its held bids are auctioned under the plan that got them.
        campaign = campaign.For(pingId);
        var pingFields = campaign.PingFieldsOf(validation.Fields);
        var phase = await auction.PingOnlyAsync(
            new AuctionLead(Guid.Empty, pingId.ToString(), campaign, pingFields, pingFields, lead.Test, now)
                { Publisher = publisher.Key, SubId = lead.SubId }, lifetime.ApplicationStopping);
        // What the lead would earn sold the better way (exclusive, or shared to up to N buyers).
        var best = auction.Plan(phase.Offers, campaign.MaxSharedBuyers).Expected;
        var offer = lead.Test || best == 0 ? 0 : Payouts.For(publisher.PayoutFor(campaign.Key, lead.SubId), best);
        var hold = new PingHold(phase.PingedTiers,
            phase.Offers.Select(o => new HeldBid(o.Contract.Key, o.Tier, o.Price, o.At, o.Captured, o.Shared)).ToList());
        var expiresAt = now + campaign.BidTtl;

        await using var db = await dbFactory.CreateDbContextAsync();
        db.PublisherPings.Add(new PublisherPingRow
        {
            Id = pingId, CampaignKey = campaign.Key, PublisherKey = publisher.Key, Offer = offer, CreatedAt = now, ExpiresAt = expiresAt,
            OffersJson = JsonSerializer.Serialize(hold, WorkspaceJson.Options),
            TraceJson = JsonSerializer.Serialize(phase.Trace, WorkspaceJson.Options),
        });
        await db.SaveChangesAsync();
        return new IntakeResult.PingOffer(pingId, offer, expiresAt, offer > 0 || lead.Test && best > 0 ? null : ReasonCodes.ForUnsold(null, phase.Trace));
    }

    public async Task<IntakeResult> PostPingedAsync(PublisherSnapshot publisher, Guid pingId, LeadSubmission lead, string? idempotencyKey)
    {
        PublisherPingRow? ping;
        await using (var db = await dbFactory.CreateDbContextAsync())
            ping = await db.PublisherPings.AsNoTracking().FirstOrDefaultAsync(p => p.Id == pingId && p.PublisherKey == publisher.Key);
        if (ping is null) return new IntakeResult.UnknownPing();
        if (ping.LeadId is { } used) return new IntakeResult.PingAlreadyPosted(used);
        if (ping.CampaignKey != lead.Campaign) return new IntakeResult.CampaignMismatch(ping.CampaignKey);

        // Held bids are used while fresh; once the ping expired the buyers are asked again.
        var fresh = time.GetUtcNow() < ping.ExpiresAt;
        var prior = new PriorRouting(
            fresh ? JsonSerializer.Deserialize<PingHold>(ping.OffersJson, WorkspaceJson.Options) : null,
            JsonSerializer.Deserialize<List<TraceStep>>(ping.TraceJson, WorkspaceJson.Options) ?? [],
            pingId);
        Task<IntakeResult> Run() => SubmitCoreAsync(publisher, lead, idempotencyKey, prior);
        return idempotencyKey is null ? await Run() : await OnceAsync(publisher, idempotencyKey, Run);
    }

    private sealed record PriorRouting(PingHold? Hold, IReadOnlyList<TraceStep> Trace, Guid PingId);

    // The same Idempotency-Key arriving again while the first is still routing waits for its answer.
    private async Task<IntakeResult> OnceAsync(PublisherSnapshot publisher, string key, Func<Task<IntakeResult>> run)
    {
        var slot = (publisher.Key, key);
        var mine = new TaskCompletionSource<IntakeResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = _inFlight.GetOrAdd(slot, mine.Task);
        if (task != mine.Task) return await task;
        try
        {
            var result = await run();
            mine.SetResult(result);
            return result;
        }
        catch (Exception e)
        {
            mine.SetException(e);
            throw;
        }
        finally
        {
            _inFlight.TryRemove(slot, out _);
        }
    }

    // The scope that puts `LeadId` on every log line written while a lead is handled.
    public const string LeadLogScope = "Lead {LeadId}";

    private async Task<IntakeResult> SubmitCoreAsync(PublisherSnapshot publisher, LeadSubmission lead, string? idempotencyKey, PriorRouting? prior)
    {
        var snapshot = publisher.Workspace ?? snapshots.Current;
        if (!snapshot.Campaigns.TryGetValue(lead.Campaign, out var campaign)) return new IntakeResult.UnknownCampaign(lead.Campaign);
        if (!publisher.MayPostTo(lead.Campaign)) return new IntakeResult.NotAllowed(lead.Campaign);
        if (publisher.Blocks(lead.SubId)) return new IntakeResult.SubIdBlocked(lead.SubId!);

        var validation = ConsentRules.Apply(campaign.Config,
            LeadValidator.Validate(campaign.Config.Fields, lead.Fields).WithErrors(lead.InputErrors));
        var now = time.GetUtcNow();
        var leadId = Guid.CreateVersion7(now);
        // The arm of a live split is stored with the lead (only a lead that will be routed has one).
        var arm = validation.IsValid ? campaign.For(ArmKeyOf(leadId, prior?.PingId)) : null;
        var row = new NewLead(leadId, campaign.Key, publisher.Key, lead.SubId, lead.ExternalId, idempotencyKey, lead.Test,
            LeadStatus.Routing, validation.Fields.ToJsonString(), null, validation.PhoneKey, validation.EmailKey, now, null, prior?.PingId, node.Id)
        {
            SplitId = arm?.SplitId, SplitArm = arm?.Arm,
        };
        // Every log line about this lead, down to the buyer calls, carries its id (and nothing else about it).
        using var leadScope = log.BeginScope(LeadLogScope, row.Id);
        // Quarantined: kept whole, with the raw input, so a manager can see what was wrong.
        if (!validation.IsValid)
        {
            row = row with
            {
                Status = LeadStatus.Invalid, FieldsJson = lead.Fields.GetRawText(), ErrorsJson = JsonSerializer.Serialize(validation.Errors),
                FinishedAt = now, Owner = null,
            };
        }

        var dedupeSince = validation.IsValid ? now.AddDays(-campaign.Config.DedupeWindowDays) : (DateTimeOffset?)null;
        // The durability point, not awaited yet: pings carry no PII, so they go out while the lead is
        // being stored; the first post waits for the write (README "How it works"). On PostgreSQL it is
        // queued before the read below, which then runs beside it (`WritesBesideRead`).
        var receiving = writer.WritesBesideRead ? writer.ReceiveAsync(row, dedupeSince) : null;
        // A repeat or a known duplicate is found by one indexed read and pings nobody.
        var route = validation.IsValid && !await SeenBeforeAsync(row, dedupeSince);
        receiving ??= writer.ReceiveAsync(row, dedupeSince);
        async Task<LeadFinish?> RouteNewAsync(Func<Task<bool>>? stored)
        {
            if (prior is not null && !await ClaimPingAsync(prior.PingId, row.Id))
                log.LogWarning("Ping {PingId} was posted twice at once; lead {LeadId} routes without its held bids", prior.PingId, row.Id);
            return await RouteCoreAsync(row.Routed, campaign, validation.Fields, prior?.Hold, prior?.Trace ?? [], 0, stored, publisher);
        }
        Task<LeadFinish?>? routing = null;
        if (route)
        {
            Task<bool>? stored = null;
            routing = RouteNewAsync(() => stored ??= StoredAsync(receiving));
            // A failed receive fails the auction at its post gate too; that failure is the receive's, reported below.
            _ = routing.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }

        var received = await receiving;
        switch (received.Outcome)
        {
            case ReceiveOutcome.Replay:
                if (routing is not null) await routing;
                return await ReplayAsync(received.Lead);
            case ReceiveOutcome.Duplicate:
                if (routing is not null) await routing;
                LeadHubMetrics.Lead(LeadStatus.Duplicate);
                return new IntakeResult.Processed(row.Id, LeadStatus.Duplicate, 0, [received.Lead.Reason!],
                    ReasonCodes.ForStatus(LeadStatus.Duplicate, received.Lead.Reason, []));
        }
        if (!validation.IsValid)
        {
            LeadHubMetrics.Lead(LeadStatus.Invalid);
            return new IntakeResult.Invalid(row.Id, validation.Errors);
        }
        crash.Reached(CrashPoints.AfterReceive);

        // Seen before by the read, yet stored as new (that lead's window ended as it was read, or the read
        // failed): route it now.
        var finish = (await (routing ?? RouteNewAsync(null)))!;
        LeadHubMetrics.Lead(finish.Status);
        return Answer(row.Id, finish.Status, finish.Payout, finish.Reason, ReasonCodes.ForStatus(finish.Status, finish.Reason, finish.Trace));
    }

    // The read before the pings only spares buyers a ping; the write decides for good. A read that
    // fails holds the pings until the write has decided: the lead is routed then (above).
    private async Task<bool> SeenBeforeAsync(NewLead row, DateTimeOffset? dedupeSince)
    {
        try
        {
            return await writer.SeenBeforeAsync(row, dedupeSince);
        }
        catch (Exception e)
        {
            log.LogWarning(e, "The dedupe read before the pings failed; the lead's write decides whether it is new");
            return true;
        }
    }

    // What the auction's post gate waits for: the lead committed as one to route.
    private async Task<bool> StoredAsync(Task<ReceiveResult> receiving)
    {
        crash.Reached(CrashPoints.PingsBeforeStored);
        return (await receiving).Outcome == ReceiveOutcome.Stored;
    }

    // Routes a stored lead and writes its final state. Also used by recovery after a restart.
    public async Task<LeadFinish> RouteAsync(RoutedLead lead, CampaignSnapshot campaign, JsonObject fields, PingHold? hold,
        IReadOnlyList<TraceStep> priorTrace, int firstSeq = 0) =>
        (await RouteCoreAsync(lead, campaign, fields, hold, priorTrace, firstSeq, null, null))!;

    // Null when the lead turned out not to be one to route (`stored` said no): nothing was posted or written.
    // `publisher` is the one the request was authenticated as (recovery: null, looked up).
    private async Task<LeadFinish?> RouteCoreAsync(RoutedLead row, CampaignSnapshot campaign, JsonObject fields, PingHold? hold,
        IReadOnlyList<TraceStep> priorTrace, int firstSeq, Func<Task<bool>>? stored, PublisherSnapshot? publisher)
    {
        using var leadScope = log.BeginScope(LeadLogScope, row.Id);
        using var span = LeadHubMetrics.Traces.StartActivity("lead.route")?.SetTag("leadhub.lead_id", row.Id);
        // New, recovered or released: a lead of a live split is routed by its arm's plan (by its id, so always the same arm).
        campaign = ArmOf(row, campaign);
        // Suppression before any ping: a lead on a global or campaign list is stored and offered to nobody.
        var suppressed = suppression.Check(campaign, fields);
        if (suppressed.Blocking is { } list)
        {
            if (stored is not null && !await stored()) return null;
            var note = new TraceStep(TraceKinds.Note, null, null, null, TraceOutcomes.Info, null, null,
                $"suppressed by list {list.Name} ({list.Scope}); no buyer was pinged", null, time.GetUtcNow());
            return await settle.UnsoldAsync(row, SuppressionReasons.Suppressed, [.. priorTrace, note], firstSeq);
        }
        var auctionLead = AuctionLeadOf(row, campaign, fields, firstSeq + priorTrace.Count) with { Stored = stored, SuppressedFor = suppressed.Buyers };

        // Routing is not tied to the publisher's connection: a lead whose caller hung up is still sold.
        var started = time.GetTimestamp();
        var result = await auction.RunAsync(auctionLead, hold, lifetime.ApplicationStopping);
        LeadHubMetrics.Auctioned(time.GetElapsedTime(started));
        if (result.Abandoned) return null;
        // A lead no post reached is only known stored once the gate was asked; the finish must follow the receive.
        if (stored is not null && !await stored()) return null;
        var trace = priorTrace.Count == 0 ? result.Trace : [.. priorTrace, .. result.Trace];
        return await settle.RoutedAsync(row, campaign, result, trace, firstSeq, publisher);
    }

    // What decides a lead's arm in a live split (SplitArms): the id of the publisher's ping when it
    // was posted against one (two-step ping/post: the ping was priced by that arm), else its own id.
    public static Guid ArmKeyOf(Guid leadId, Guid? pingId) => pingId ?? leadId;

    // The campaign snapshot that routes this lead: its split arm's, or the campaign's. Idempotent.
    public static CampaignSnapshot ArmOf(RoutedLead row, CampaignSnapshot campaign) => campaign.For(ArmKeyOf(row.Id, row.PingId));

    public static AuctionLead AuctionLeadOf(RoutedLead row, CampaignSnapshot campaign, JsonObject fields, int traceBase) =>
        new(row.Id, (row.PingId ?? row.Id).ToString(), ArmOf(row, campaign), fields, campaign.PingFieldsOf(fields), row.Test, row.ReceivedAt, traceBase)
        {
            Publisher = row.PublisherKey, SubId = row.Kpi.SubId,
        };

    private async Task<bool> ClaimPingAsync(Guid pingId, Guid leadId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.PublisherPings.Where(p => p.Id == pingId && p.LeadId == null)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.LeadId, leadId)) == 1;
    }

    private static IntakeResult Answer(Guid id, string status, decimal payout, string? reason, string? code) =>
        new IntakeResult.Processed(id, status, payout, reason is null ? [] : [reason], code);

    // The first answer for a repeated Idempotency-Key, rebuilt from the stored lead. A lead still
    // routing elsewhere (another node) is waited for.
    private async Task<IntakeResult> ReplayAsync(LeadRow lead)
    {
        var waitUntil = time.GetUtcNow().AddSeconds(30);
        // A lead whose post outcome a crash hid (`unknown`) is not final either: a manager may settle it meanwhile.
        while (lead.Status is LeadStatus.Routing or LeadStatus.Received or LeadStatus.Unknown && time.GetUtcNow() < waitUntil)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), time);
            await using var db = await dbFactory.CreateDbContextAsync();
            lead = await db.Leads.AsNoTracking().FirstAsync(l => l.Id == lead.Id);
        }
        if (lead.Status == LeadStatus.Invalid)
            return new IntakeResult.Invalid(lead.Id, JsonSerializer.Deserialize<Dictionary<string, string[]>>(lead.ErrorsJson ?? "{}") ?? []);
        var status = lead.Status == LeadStatus.Returned ? LeadStatus.Sold : lead.Status;
        // The same code as the first answer: an unsold lead's is read again from its stored trace.
        IReadOnlyList<TraceStep> trace = [];
        if (status == LeadStatus.Unsold)
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            trace = (await LeadTraces.OfAsync(db, lead.Id)).Select(ReasonCodes.StepOf).ToList();
        }
        return Answer(lead.Id, status, lead.Payout, lead.Reason, ReasonCodes.ForStatus(status, lead.Reason, trace));
    }
}

// Which process owns a lead while it routes; recovery never takes a live owner's leads.
public sealed class NodeIdentity
{
    public string Id { get; } = $"{Environment.ProcessId}-{Guid.NewGuid():N}";
}
