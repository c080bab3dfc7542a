using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using LeadHub.Core.Delivery;
using LeadHub.Core.Leads;
using LeadHub.Core.Returns;
using LeadHub.Core.Reviews;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Postbacks;

public sealed class PostbackOptions
{
    public const string Section = "LeadHub:Postbacks";

    // Whether this node runs the pump and the sender (tests drive them by hand).
    public bool Run { get; set; } = true;
    public double IntervalSeconds { get; set; } = 1;

    // The wait after the first failed attempt; it doubles after each one, up to MaxRetrySeconds.
    public double FirstRetrySeconds { get; set; } = 30;
    public double MaxRetrySeconds { get; set; } = 3600;

    // A publisher's endpoint gets this long to answer, and this many bytes of answer are read.
    public double TimeoutSeconds { get; set; } = 10;
    public int MaxAnswerBytes { get; set; } = 64 * 1024;

    // A node that claimed a postback and died lets it go after this long.
    public double LeaseSeconds { get; set; } = 120;

    // The pump's cursor stays this far behind the clock, so a lead stored a little late is still seen.
    public double CursorLagSeconds { get; set; } = 60;
    public int Batch { get; set; } = 500;
}

public enum RetryOutcome { Retrying, NotFound, AlreadyDelivered, BeingSent }

// What a test postback did: the request as sent and the publisher's answer.
public sealed record PostbackAttempt(string Method, string Url, string? Body, string? Signature, int? Status, string? Answer, string? Error)
{
    public bool Delivered => Error is null && Status is >= 200 and <= 299;
}

// The durable outbox of publisher postbacks (README "Postbacks"). The pump finds leads whose
// final state is stored (and approved returns) past a durable cursor and writes one row per lead
// and event; the sender claims due rows atomically, sends them signed, and retries with backoff
// until delivered or given up (`failed`, with an alert). Nothing here runs on the lead's hot path.
public sealed class PostbackOutbox(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    RoutingSnapshotHolder snapshots,
    IHttpClientFactory httpFactory,
    IDataProtectionProvider dataProtection,
    AlertService alerts,
    NodeIdentity node,
    TimeProvider time,
    IOptions<PostbackOptions> options,
    ILogger<PostbackOutbox> log)
{
    public const string ClientName = "postbacks";
    public const string LeadsCursor = "leads", ReturnsCursor = "returns";
    public const string AlertKind = AlertKinds.PostbackFailed;
    private readonly IDataProtector _signing = dataProtection.CreateProtector(PostbackSignature.Purpose);
    private PostbackOptions Options => options.Value;

    public static string AlertSubject(string publisherKey) => "publisher:" + publisherKey;

    // The pump: one round, serialised across nodes. Returns how many postbacks it wrote.
    public async Task<int> EnqueueAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var lag = TimeSpan.FromSeconds(Options.CursorLagSeconds);
        var configured = snapshots.Current.Publishers.Values
            .Where(p => p.Config.Postbacks?.Templates is { Count: > 0 })
            .ToDictionary(p => p.Key, p => p.Config.Postbacks!);
        var keys = configured.Keys.ToList();

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (keys.Count == 0)
        {
            // Nobody wants postbacks: no write every second (SQLite has one write lock, the lead
            // writer's). Forgetting the cursor makes it start at "now" once someone does.
            if (await db.PostbackCursors.AnyAsync(ct)) await db.PostbackCursors.ExecuteDeleteAsync(ct);
            return 0;
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await ClusterLock.TakeAsync(db, ["postback-pump"]);
        var leadsCursor = await CursorAsync(db, LeadsCursor, now - lag, ct);
        var returnsCursor = await CursorAsync(db, ReturnsCursor, now - lag, ct);
        var added = 0;
        var leadsTo = now - lag;
        var returnsTo = now - lag;
        var from = leadsCursor.At;
        var leads = await db.Leads.AsNoTracking()
            .Where(l => l.ReceivedAt >= from && keys.Contains(l.PublisherKey)
                && !db.Postbacks.Any(o => o.LeadId == l.Id && o.Event != PostbackEvents.Returned))
            .OrderBy(l => l.ReceivedAt).Take(Options.Batch)
            .Select(l => new LeadFacts(l.Id, l.PublisherKey, l.CampaignKey, l.ExternalId, l.SubId, l.Status, l.Payout, l.Reason, l.ReceivedAt))
            .ToListAsync(ct);
        // The cursor never passes a lead still routing (recovery finishes it after a crash); one
        // parked `unknown` for a manager is not waited for: UnknownOutcomes enqueues it when settled.
        if (leads.FirstOrDefault(l => l.Status is LeadStatus.Routing or LeadStatus.Received) is { } open && open.ReceivedAt < leadsTo)
            leadsTo = open.ReceivedAt;
        if (leads.Count == Options.Batch && leads[^1].ReceivedAt < leadsTo) leadsTo = leads[^1].ReceivedAt;
        added += await AddLeadEventsAsync(db, leads, configured, now, ct);

        var returnsFrom = returnsCursor.At;
        var returns = await db.Returns.AsNoTracking()
            .Where(r => r.Status == ReturnStatus.Approved && r.DecidedAt >= returnsFrom && keys.Contains(r.PublisherKey)
                && !db.Postbacks.Any(o => o.LeadId == r.LeadId && o.Event == PostbackEvents.Returned))
            .OrderBy(r => r.DecidedAt).Take(Options.Batch)
            .Select(r => new { r.LeadId, r.PublisherKey, r.CampaignKey, r.PayoutReversed, r.DecidedAt })
            .ToListAsync(ct);
        if (returns.Count == Options.Batch && returns[^1].DecidedAt < returnsTo) returnsTo = returns[^1].DecidedAt!.Value;
        var returned = returns.Where(r => PostbackTemplates.For(configured[r.PublisherKey], PostbackEvents.Returned) is not null).ToList();
        var ids = returned.Select(r => r.LeadId).ToList();
        var leadIds = ids.Count == 0 ? [] : await db.Leads.AsNoTracking().Where(l => ids.Contains(l.Id))
            .Select(l => new { l.Id, l.ExternalId, l.SubId }).ToDictionaryAsync(l => l.Id, ct);
        foreach (var r in returned)
        {
            var lead = leadIds.GetValueOrDefault(r.LeadId);
            db.Postbacks.Add(New(r.LeadId, PostbackEvents.Returned, r.PublisherKey, r.CampaignKey, lead?.ExternalId, lead?.SubId,
                r.PayoutReversed, null, now));
            added++;
        }
        // Only forward: enabling postbacks later never sends what came before.
        if (leadsTo > leadsCursor.At) leadsCursor.At = leadsTo;
        if (returnsTo > returnsCursor.At) returnsCursor.At = returnsTo;
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return added;
    }

    private sealed record LeadFacts(Guid Id, string PublisherKey, string CampaignKey, string? ExternalId, string? SubId, string Status,
        decimal Payout, string? Reason, DateTimeOffset ReceivedAt);

    // One row per lead whose final status raises an event its publisher has a template for.
    private static async Task<int> AddLeadEventsAsync(LeadHubDbContext db, IReadOnlyList<LeadFacts> leads,
        IReadOnlyDictionary<string, PostbacksConfig> configured, DateTimeOffset now, CancellationToken ct)
    {
        var due = leads.Select(l => (Lead: l, Event: EventOf(l.Status)))
            .Where(x => x.Event is not null && PostbackTemplates.For(configured.GetValueOrDefault(x.Lead.PublisherKey), x.Event) is not null).ToList();
        var unsold = due.Where(x => x.Event == PostbackEvents.Unsold).Select(x => x.Lead.Id).ToList();
        var traces = (await LeadTraces.OfAsync(db, unsold, ct)).ToDictionary(t => t.Key, t => t.Value.Select(ReasonCodes.StepOf).ToList());
        foreach (var (l, e) in due)
        {
            db.Postbacks.Add(New(l.Id, e!, l.PublisherKey, l.CampaignKey, l.ExternalId, l.SubId, e == PostbackEvents.Sold ? l.Payout : 0,
                ReasonCodes.ForStatus(e!, l.Reason, traces.GetValueOrDefault(l.Id) ?? []), now));
        }
        return due.Count;
    }

    // A lead the pump's cursor has passed reached its final state later (a manager settled an
    // `unknown` lead): its postback is written now, if it has none yet.
    public async Task<int> EnqueueLeadAsync(Guid leadId, CancellationToken ct = default)
    {
        var configured = snapshots.Current.Publishers.Values
            .Where(p => p.Config.Postbacks?.Templates is { Count: > 0 })
            .ToDictionary(p => p.Key, p => p.Config.Postbacks!);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await ClusterLock.TakeAsync(db, ["postback-pump"]);
        var leads = await db.Leads.AsNoTracking()
            .Where(l => l.Id == leadId && !db.Postbacks.Any(o => o.LeadId == l.Id && o.Event != PostbackEvents.Returned))
            .Select(l => new LeadFacts(l.Id, l.PublisherKey, l.CampaignKey, l.ExternalId, l.SubId, l.Status, l.Payout, l.Reason, l.ReceivedAt))
            .ToListAsync(ct);
        var added = await AddLeadEventsAsync(db, leads, configured, time.GetUtcNow(), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return added;
    }

    private static PostbackRow New(Guid leadId, string @event, string publisher, string campaign, string? externalId, string? subId,
        decimal payout, string? reasonCode, DateTimeOffset now) => new()
    {
        LeadId = leadId, Event = @event, PublisherKey = publisher, Campaign = campaign, ExternalId = externalId, SubId = subId,
        Status = @event, Payout = payout, ReasonCode = reasonCode, State = PostbackStates.Pending, CreatedAt = now, NextAttemptAt = now,
    };

    // The event a lead's final status raises. A lead returned before the pump saw it still says it sold first.
    private static string? EventOf(string status) => status switch
    {
        LeadStatus.Sold or LeadStatus.Returned => PostbackEvents.Sold,
        LeadStatus.Unsold => PostbackEvents.Unsold,
        LeadStatus.Invalid => PostbackEvents.Invalid,
        LeadStatus.Duplicate => PostbackEvents.Duplicate,
        _ => null,
    };

    private static async Task<PostbackCursorRow> CursorAsync(LeadHubDbContext db, string name, DateTimeOffset start, CancellationToken ct)
    {
        var cursor = await db.PostbackCursors.FirstOrDefaultAsync(c => c.Name == name, ct);
        if (cursor is null) db.PostbackCursors.Add(cursor = new PostbackCursorRow { Name = name, At = start });
        return cursor;
    }

    // The sender: claims due postbacks (a conditional update, so two nodes never take the same
    // one) and sends them. Returns how many it attempted.
    public async Task<int> DispatchAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var leaseUntil = now.AddSeconds(Options.LeaseSeconds);
        var claimed = new List<long>();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var due = await db.Postbacks.AsNoTracking()
                .Where(p => p.State == PostbackStates.Pending && p.NextAttemptAt <= now && (p.LeaseUntil == null || p.LeaseUntil < now))
                .OrderBy(p => p.NextAttemptAt).Select(p => p.Id).Take(50).ToListAsync(ct);
            foreach (var id in due)
            {
                var taken = await db.Postbacks
                    .Where(p => p.Id == id && p.State == PostbackStates.Pending && (p.LeaseUntil == null || p.LeaseUntil < now))
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.LeaseOwner, node.Id).SetProperty(p => p.LeaseUntil, leaseUntil), ct);
                if (taken == 1) claimed.Add(id);
            }
        }
        await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (id, token) => await SendClaimedAsync(id, token));
        return claimed.Count;
    }

    private async Task SendClaimedAsync(long id, CancellationToken ct)
    {
        PostbackRow row;
        string? protectedSecret;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            row = await db.Postbacks.AsNoTracking().FirstAsync(p => p.Id == id, ct);
            protectedSecret = await db.Publishers.AsNoTracking().Where(p => p.Key == row.PublisherKey).Select(p => p.PostbackSecret).FirstOrDefaultAsync(ct);
        }
        var config = snapshots.Current.Publishers.GetValueOrDefault(row.PublisherKey)?.Config.Postbacks;
        var template = PostbackTemplates.For(config, row.Event);
        var attempt = template is null
            ? new PostbackAttempt("", "", null, null, null, null, $"the publisher has no postback template for '{row.Event}' any more")
            : await SendAsync(PostbackTemplates.Render(template, row.Values), Unprotect(protectedSecret, row.PublisherKey), row.Id, ct);
        await RecordAsync(row, attempt, config?.MaxAttempts ?? 1, giveUpNow: template is null, ct);
    }

    private string? Unprotect(string? protectedSecret, string publisher)
    {
        if (protectedSecret is null) return null;
        try
        {
            return _signing.Unprotect(protectedSecret);
        }
        catch (CryptographicException)
        {
            log.LogError("The postback signing secret of publisher {Publisher} cannot be decrypted (lost Data Protection keys?); set it again", publisher);
            return null;
        }
    }

    private async Task RecordAsync(PostbackRow row, PostbackAttempt attempt, int maxAttempts, bool giveUpNow, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var attempts = row.Attempts + 1;
        var state = attempt.Delivered ? PostbackStates.Delivered
            : giveUpNow || attempts >= maxAttempts ? PostbackStates.Failed
            : PostbackStates.Pending;
        var next = state == PostbackStates.Pending ? now + Backoff(attempts) : row.NextAttemptAt;
        var request = attempt.Url.Length == 0 ? null : Cut($"{attempt.Method} {attempt.Url}", 2100);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Only while still ours: a lease that ran out and went to another node is that node's to record.
        var recorded = await db.Postbacks.Where(p => p.Id == row.Id && p.LeaseOwner == node.Id && p.State == PostbackStates.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(p => p.State, state)
                .SetProperty(p => p.Attempts, attempts)
                .SetProperty(p => p.NextAttemptAt, next)
                .SetProperty(p => p.LeaseOwner, (string?)null)
                .SetProperty(p => p.LeaseUntil, (DateTimeOffset?)null)
                .SetProperty(p => p.LastAttemptAt, now)
                .SetProperty(p => p.LastRequest, request)
                .SetProperty(p => p.LastStatus, attempt.Status)
                .SetProperty(p => p.LastError, attempt.Error == null ? null : Cut(attempt.Error, 1000))
                .SetProperty(p => p.LastAnswer, attempt.Answer == null ? null : Cut(attempt.Answer, 1000))
                .SetProperty(p => p.DeliveredAt, state == PostbackStates.Delivered ? now : null), ct);
        if (recorded == 1 && state == PostbackStates.Failed)
        {
            log.LogWarning("Postback {Id} ({Event}) to publisher {Publisher} given up after {Attempts} attempts: {Error}",
                row.Id, row.Event, row.PublisherKey, attempts, attempt.Error);
            await alerts.RaiseAsync(AlertKind, AlertSubject(row.PublisherKey),
                $"Postback '{row.Event}' for lead {row.LeadId} was given up after {attempts} attempt(s): {Cut(attempt.Error ?? "", 300)}. " +
                "Fix the publisher's postback URL, then retry it from Postbacks.", ct);
        }
    }

    public TimeSpan Backoff(int attempts)
    {
        var seconds = Options.FirstRetrySeconds * Math.Pow(2, Math.Min(attempts - 1, 30));
        return TimeSpan.FromSeconds(Math.Min(seconds, Options.MaxRetrySeconds));
    }

    // One request, bounded in time and answer size; never throws for the endpoint's behaviour.
    private async Task<PostbackAttempt> SendAsync(PostbackRequest request, string? secret, long? deliveryId, CancellationToken ct)
    {
        string? signature = null;
        if (!Uri.TryCreate(request.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return new(request.Method, request.Url, request.Body, null, null, null, "the filled-in URL is not an absolute http(s) URL");
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), uri);
        if (request.Body is not null) message.Content = new StringContent(request.Body, Encoding.UTF8, "application/json");
        if (secret is not null)
        {
            signature = PostbackSignature.Sign(secret, time.GetUtcNow().ToUnixTimeSeconds(), PostbackSignature.Payload(request));
            message.Headers.TryAddWithoutValidation(PostbackSignature.Header, signature);
        }
        if (deliveryId is { } id) message.Headers.TryAddWithoutValidation("X-LeadHub-Delivery", id.ToString());
        message.Headers.UserAgent.Add(new ProductInfoHeaderValue("LeadHub-Postback", "1"));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(Options.TimeoutSeconds), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var http = httpFactory.CreateClient(ClientName);
        var result = await BuyerExchange.SendAsync(http, message, Options.MaxAnswerBytes, linked.Token);
        return result switch
        {
            ExchangeResult.Answered { Status: >= 200 and <= 299 } a => new(request.Method, request.Url, request.Body, signature, a.Status, a.Body, null),
            ExchangeResult.Answered a => new(request.Method, request.Url, request.Body, signature, a.Status, a.Body, $"HTTP {a.Status}"),
            ExchangeResult.Failed f => new(request.Method, request.Url, request.Body, signature, null, null, f.Reason),
            _ => new(request.Method, request.Url, request.Body, signature, null, null, $"no answer within {Options.TimeoutSeconds:0.#} s"),
        };
    }

    // The portal's "Send test postback": the template as edited (saved or not) filled with sample
    // values, signed with the secret being set or the one stored, sent once now; nothing is stored.
    public async Task<PostbackAttempt> SendTestAsync(string publisherKey, PostbackTemplate template, string @event, string? newSecret,
        CancellationToken ct = default)
    {
        var problems = new List<string>();
        PostbackTemplates.Check(new PostbacksConfig { Templates = [template] }, "template", (_, m) => problems.Add(m));
        if (problems.Count > 0) return new PostbackAttempt(template.Method, template.Url, null, null, null, null, string.Join("; ", problems));
        var secret = newSecret is { Length: > 0 } ? newSecret : null;
        if (secret is null)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            secret = Unprotect(await db.Publishers.AsNoTracking().Where(p => p.Key == publisherKey).Select(p => p.PostbackSecret).FirstOrDefaultAsync(ct),
                publisherKey);
        }
        var sample = Sample(@event);
        return await SendAsync(PostbackTemplates.Render(template, sample), secret, null, ct);
    }

    public static PostbackValues Sample(string @event) => new(Guid.Empty, "test-external-id", "test-sub-id", @event, @event,
        @event is PostbackEvents.Sold or PostbackEvents.Returned ? 12.34m : 0m,
        @event switch
        {
            PostbackEvents.Unsold => ReasonCodes.NoBids, PostbackEvents.Invalid => ReasonCodes.InvalidField,
            PostbackEvents.Duplicate => ReasonCodes.Duplicate, _ => null,
        }, "test-campaign");

    // A manager's "retry now": a failed or waiting postback is due at once with a fresh set of
    // attempts. One being sent right now (a live lease) is left to finish.
    public async Task<RetryOutcome> RetryNowAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var updated = await db.Postbacks
            .Where(p => p.Id == id && p.State != PostbackStates.Delivered && (p.LeaseUntil == null || p.LeaseUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.State, PostbackStates.Pending).SetProperty(p => p.Attempts, 0)
                .SetProperty(p => p.NextAttemptAt, now).SetProperty(p => p.LeaseOwner, (string?)null)
                .SetProperty(p => p.LeaseUntil, (DateTimeOffset?)null), ct);
        if (updated == 1) return RetryOutcome.Retrying;
        var state = await db.Postbacks.AsNoTracking().Where(p => p.Id == id).Select(p => p.State).FirstOrDefaultAsync(ct);
        return state is null ? RetryOutcome.NotFound : state == PostbackStates.Delivered ? RetryOutcome.AlreadyDelivered : RetryOutcome.BeingSent;
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
