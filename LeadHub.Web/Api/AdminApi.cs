using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeadHub.Core;
using LeadHub.Core.Delivery;
using LeadHub.Core.Kpis;
using LeadHub.Core.Lab;
using LeadHub.Core.Leads;
using LeadHub.Core.Security;
using LeadHub.Core.Storage;
using LeadHub.Core.Validation;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeadHub.Web.Api;

public static class AdminApi
{
    private const int MaxWorkspaceBytes = 16 * 1024 * 1024;

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin").WithTags("Admin API")
            .AddEndpointFilter(RequireAdminToken)
            .ProducesProblem(401);
        group.MapGet("/workspace", ExportWorkspace).WithSummary("Export the whole configuration (never keys or credentials)")
            .Produces<WorkspaceDocument>();
        group.MapPut("/workspace", ImportWorkspace).WithSummary("Import (upsert by key) a workspace document, all or nothing")
            .Accepts<WorkspaceDocument>("application/json")
            .Produces<WorkspaceDocument>().ProducesProblem(400).ProducesValidationProblem(422);
        group.MapPost("/contracts/bulk", (HttpRequest r, WorkspaceService w, CancellationToken ct) => BulkEditAsync(PauseKinds.Contract, r, w, ct))
            .WithSummary("Pause (with a reason), resume, set the floor (min bid) or the caps of several contracts at once")
            .Accepts<BulkEditRequest>("application/json")
            .Produces<BulkEditResponse>().ProducesProblem(400).ProducesProblem(404).ProducesValidationProblem(422);
        group.MapPost("/buyers/bulk", (HttpRequest r, WorkspaceService w, CancellationToken ct) => BulkEditAsync(PauseKinds.Buyer, r, w, ct))
            .WithSummary("Pause (with a reason), resume or set the caps of several buyers at once")
            .Accepts<BulkEditRequest>("application/json")
            .Produces<BulkEditResponse>().ProducesProblem(400).ProducesProblem(404).ProducesValidationProblem(422);
        group.MapGet("/leads/{leadId:guid}", GetLead).WithSummary("A lead with its fields and routing trace")
            .Produces<LeadDetail>().ProducesProblem(404);
        group.MapGet("/leads/{leadId:guid}/why-not", WhyNot)
            .WithSummary("Every contract of the lead's campaign with the reason it did or did not get the lead (filter, cap, schedule, health, floor, outbid by how much)")
            .Produces<IReadOnlyList<ContractVerdict>>().ProducesProblem(404);
        group.MapPost("/leads/{leadId:guid}/confirm-sale", ConfirmSale)
            .WithSummary("A lead in `unknown` (a crash hid its post's outcome): confirm it sold to the buyer it was posted to")
            .Produces<SettledLead>().ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/leads/{leadId:guid}/release", ReleaseLead)
            .WithSummary("A lead in `unknown`: the buyer does not have it; route it again")
            .Produces<SettledLead>().ProducesProblem(404).ProducesProblem(409);
        group.MapGet("/health", (BuyerHealth health, RoutingSnapshotHolder snapshots) => TypedResults.Ok(health.Report(snapshots.Current)))
            .WithSummary("Buyer health per contract: circuit breaker, post errors today, skipped pings")
            .Produces<IReadOnlyList<ContractHealthView>>();
        group.MapPost("/contracts/{key}/try", TryContract)
            .WithSummary("Send a test ping or post to a contract's buyer; returns the raw exchange and how it was read. Nothing is sold.")
            .Produces<TrialResult>().ProducesProblem(400).ProducesProblem(404).ProducesValidationProblem(422);
        group.MapGet("/leads", ListLeads).WithSummary("A page of leads, newest first")
            .Produces<LeadPage>().ProducesValidationProblem(400);
        group.MapGet("/kpis", GetKpis)
            .WithSummary("KPIs (CONTRACT §6) of a range and slice, the previous equal range, one row per bucket, and breakdowns")
            .Produces<KpiResponse>().ProducesValidationProblem(400);
        return app;
    }

    // The configured token or a token an admin created in the portal; compared in constant time.
    internal static async ValueTask<object?> RequireAdminToken(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers.Authorization.FirstOrDefault();
        const string scheme = "Bearer ";
        var presented = header is not null && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
        if (presented is { Length: > 0 and <= 512 } && await http.RequestServices.GetRequiredService<AdminTokens>().IsValidAsync(presented))
            return await next(context);
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return PublisherRequests.Problem(StatusCodes.Status401Unauthorized, "Unauthorized",
            "Send 'Authorization: Bearer <admin API token>': LeadHub:AdminApiToken, or a token an admin created in the portal.");
    }

    private static async Task<IResult> ExportWorkspace(WorkspaceService workspace, CancellationToken ct) =>
        TypedResults.Ok(await workspace.ExportAsync(ct));

    private static async Task<IResult> ImportWorkspace(HttpRequest request, WorkspaceService workspace, CancellationToken ct)
    {
        // Counted while reading: a chunked body has no Content-Length to check.
        var body = await PublisherRequests.ReadBodyAsync(request, MaxWorkspaceBytes);
        if (body is null)
            return PublisherRequests.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The body must be at most {MaxWorkspaceBytes} bytes.");
        WorkspaceDocument? doc;
        try
        {
            using var parsed = JsonUnicode.Parse(body, out var invalid);
            if (invalid.Count > 0) return WorkspaceProblem(invalid.Select(p => new WorkspaceError("$." + p, JsonUnicode.Message)).ToList());
            doc = parsed.RootElement.Deserialize<WorkspaceDocument>(WorkspaceJson.ImportOptions);
        }
        catch (JsonException e) when (e.InnerException is not JsonException && e.Path is not null)
        {
            // Valid JSON with a value of the wrong type: a problem with the document, reported with its path.
            return WorkspaceProblem([new WorkspaceError(e.Path, "has the wrong type or format")]);
        }
        catch (JsonException e)
        {
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Malformed workspace", "The body is not valid JSON: " + e.Message.Split('.')[0]);
        }
        if (doc is null) return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Malformed workspace", "The body must be a JSON object.");

        var errors = await workspace.ImportAsync(doc, "admin-api", ct);
        return errors.Count > 0 ? WorkspaceProblem(errors) : TypedResults.Ok(await workspace.ExportAsync(ct));
    }

    private static IResult WorkspaceProblem(IReadOnlyList<WorkspaceError> errors) =>
        PublisherRequests.Problem(StatusCodes.Status422UnprocessableEntity, "Invalid workspace",
            $"{errors.Count} problem(s); nothing was changed.",
            errors.GroupBy(e => e.Path).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));

    // `action`: pause | resume | set-min-bid | set-caps. `reason` is required to pause; `minBid`
    // null = any bid; `caps` null = no caps.
    public sealed record BulkEditRequest(List<string>? Keys, string? Action, string? Reason, decimal? MinBid, CapsConfig? Caps);

    public sealed record BulkEditResponse(IReadOnlyList<string> Changed, int Unchanged);

    private const int MaxBulkBytes = 1024 * 1024;

    // The portal's bulk edit, for scripts: the same WorkspaceService.BulkEditAsync, all or nothing,
    // one audit entry per changed object (actor "admin-api").
    private static async Task<IResult> BulkEditAsync(string kind, HttpRequest request, WorkspaceService workspace, CancellationToken ct)
    {
        var bytes = await PublisherRequests.ReadBodyAsync(request, MaxBulkBytes);
        if (bytes is null)
            return PublisherRequests.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The body must be at most {MaxBulkBytes} bytes.");
        BulkEditRequest? body;
        try
        {
            using var parsed = JsonUnicode.Parse(bytes, out var invalid);
            if (invalid.Count > 0)
                return PublisherRequests.Problem(StatusCodes.Status422UnprocessableEntity, "Invalid text", "Some text is not valid Unicode.",
                    invalid.ToDictionary(p => p, _ => new[] { JsonUnicode.Message }));
            body = parsed.RootElement.ValueKind == JsonValueKind.Object ? parsed.RootElement.Deserialize<BulkEditRequest>(WorkspaceJson.Options) : null;
        }
        catch (JsonException)
        {
            body = null;
        }
        if (body is null)
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Malformed request",
                $"Send {{ \"keys\": [\"{kind}-key\", …], \"action\": \"{string.Join("\" | \"", BulkActions.All)}\", \"reason\": \"…\" (to pause), " +
                "\"minBid\": 5.00 (set-min-bid), \"caps\": { \"daily\": 100 } (set-caps) }.");
        var keys = (body.Keys ?? []).Where(k => k is not null).ToList();
        var change = await workspace.BulkEditAsync(kind, keys, new BulkEdit(body.Action ?? "", body.Reason, body.MinBid, body.Caps), "admin-api", ct);
        if (change.Unknown.Count > 0)
            return PublisherRequests.Problem(StatusCodes.Status404NotFound, $"Unknown {kind}", $"Nothing was changed: no {kind} {string.Join(", ", change.Unknown)}.",
                new Dictionary<string, string[]> { ["keys"] = [.. change.Unknown.Select(k => $"unknown {kind} '{k}'")] });
        if (change.Errors.Count > 0)
            return PublisherRequests.Problem(StatusCodes.Status422UnprocessableEntity, "Invalid bulk edit", $"{change.Errors.Count} problem(s); nothing was changed.",
                change.Errors.GroupBy(e => e.Path).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));
        return TypedResults.Ok(new BulkEditResponse(change.Changed, keys.Distinct().Count() - change.Changed.Count));
    }

    public sealed record TryRequest(string? Phase, JsonElement? Lead, decimal? Price, Dictionary<string, string>? Captured = null);

    private static async Task<IResult> TryContract(string key, HttpRequest request, ContractTrial trial, IOptions<LeadHubOptions> options,
        CancellationToken ct)
    {
        var limit = options.Value.MaxLeadBytes;
        var bytes = await PublisherRequests.ReadBodyAsync(request, limit);
        if (bytes is null)
            return PublisherRequests.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The body must be at most {limit} bytes.");
        TryRequest? body;
        try
        {
            if (bytes.Length == 0) body = new TryRequest("ping", null, null);
            else
            {
                using var parsed = JsonUnicode.Parse(bytes, out var invalid);
                if (invalid.Count > 0)
                    return PublisherRequests.Problem(StatusCodes.Status422UnprocessableEntity, "Invalid text", "Some text is not valid Unicode.",
                        invalid.ToDictionary(p => p, _ => new[] { JsonUnicode.Message }));
                body = parsed.RootElement.Deserialize<TryRequest>(WorkspaceJson.Options);
            }
        }
        catch (JsonException)
        {
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Malformed request",
                "Send { \"phase\": \"ping\" | \"post\", \"lead\": { …fields… } (optional), \"price\": 10.00 (optional), \"captured\": { \"name\": \"value\" } (optional, for a post) }.");
        }
        var (result, refusal) = await trial.RunAsync(key, body?.Phase ?? "ping", body?.Lead, body?.Price, ct, body?.Captured);
        return refusal switch
        {
            null => TypedResults.Ok(result),
            TrialRefusal.UnknownContract u => PublisherRequests.Problem(StatusCodes.Status404NotFound, "Unknown contract", u.Message),
            TrialRefusal.InvalidLead i => PublisherRequests.Problem(StatusCodes.Status422UnprocessableEntity, "Invalid lead", i.Message,
                new Dictionary<string, string[]>(i.Errors)),
            _ => PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Bad phase", refusal.Message,
                new Dictionary<string, string[]> { ["phase"] = ["must be 'ping' (ping-post contracts) or 'post'"] }),
        };
    }

    private static async Task<IResult> GetLead(Guid leadId, LeadQueries leads, CancellationToken ct)
    {
        var lead = await leads.GetAsync(leadId, ct);
        if (lead is null) return PublisherRequests.Problem(StatusCodes.Status404NotFound, "Unknown lead", $"There is no lead {leadId}.");
        return TypedResults.Ok(new LeadDetail(
            lead.Id, lead.Status, lead.CampaignKey, lead.PublisherKey, lead.SubId, lead.ExternalId, lead.Test,
            lead.Price, lead.BuyerKey, lead.ContractKey, lead.Payout, lead.Reason, lead.ReceivedAt, lead.FinishedAt,
            lead.Fields, lead.Errors, lead.Trace, lead.Sales));
    }

    private static async Task<IResult> WhyNot(Guid leadId, LeadQueries leads, CancellationToken ct) =>
        await leads.GetAsync(leadId, ct) is { } lead
            ? TypedResults.Ok(leads.WhyNot(lead))
            : PublisherRequests.Problem(StatusCodes.Status404NotFound, "Unknown lead", $"There is no lead {leadId}.");

    private static readonly HashSet<string> Statuses = [.. LeadQueries.Statuses];

    private static async Task<IResult> ConfirmSale(Guid leadId, UnknownOutcomes outcomes) =>
        Settled(leadId, await outcomes.ConfirmSoldAsync(leadId, "admin-api"));

    private static async Task<IResult> ReleaseLead(Guid leadId, UnknownOutcomes outcomes) =>
        Settled(leadId, await outcomes.ReleaseAsync(leadId, "admin-api"));

    private static IResult Settled(Guid leadId, SettleResult result) => result switch
    {
        SettleResult.Settled s => TypedResults.Ok(new SettledLead(leadId, s.Status)),
        SettleResult.NotUnknown n => PublisherRequests.Problem(StatusCodes.Status409Conflict, "Lead not waiting for a decision",
            $"Lead {leadId} is {n.Status}; only a lead in `unknown` (and not being settled right now) can be confirmed or released."),
        _ => PublisherRequests.Problem(StatusCodes.Status404NotFound, "Unknown lead", $"There is no lead {leadId}."),
    };

    private static async Task<IResult> ListLeads(HttpRequest request, LeadQueries leads, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        string? status = q["status"], campaign = q["campaign"], publisher = q["publisher"];
        if (status is not null && !Statuses.Contains(status)) errors["status"] = [$"must be one of: {string.Join(", ", LeadQueries.Statuses)}"];
        var from = ParseTime(q["from"], "from", errors);
        var to = ParseTime(q["to"], "to", errors);
        var page = ParseInt(q["page"], "page", 1, 1, 1_000_000, errors);
        var pageSize = ParseInt(q["pageSize"], "pageSize", 50, 1, 500, errors);
        if (errors.Count > 0) return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Bad query", null, errors);

        var result = await leads.SearchAsync(new LeadFilter(status, campaign, publisher, From: from, To: to),
            (page - 1) * pageSize, pageSize, ct: ct);
        return TypedResults.Ok(new LeadPage(page, pageSize, result.Total, result.Items.Select(l => new LeadSummary(
            l.Id, l.Status, l.CampaignKey, l.PublisherKey, l.SubId, l.Test, l.Price, l.BuyerKey, l.ContractKey, l.Payout, l.ReceivedAt)).ToList()));
    }

    private static readonly Dictionary<string, KpiBucket> Buckets = new()
    {
        ["minute"] = KpiBucket.Minute, ["hour"] = KpiBucket.Hour, ["day"] = KpiBucket.Day, ["week"] = KpiBucket.Week,
    };

    // Defaults: the last 24 hours by hour. Minute buckets are for ranges up to a day, so an
    // answer never has more than a few thousand rows.
    private static async Task<IResult> GetKpis(HttpRequest request, KpiQueries kpis, TimeProvider time, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        var to = ParseTime(q["to"], "to", errors) ?? time.GetUtcNow();
        var from = ParseTime(q["from"], "from", errors) ?? to.AddDays(-1);
        string bucketName = q["bucket"].FirstOrDefault() ?? "hour";
        if (!Buckets.TryGetValue(bucketName, out var bucket)) errors["bucket"] = [$"must be one of: {string.Join(", ", Buckets.Keys)}"];
        if (errors.Count == 0)
        {
            if (from >= to) errors["to"] = ["must be after 'from'"];
            else if (to - from > TimeSpan.FromDays(366)) errors["from"] = ["the range must be at most 366 days"];
            else if (bucket == KpiBucket.Minute && to - from > TimeSpan.FromDays(1)) errors["bucket"] = ["minute buckets need a range of at most one day"];
        }
        if (errors.Count > 0) return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Bad query", null, errors);

        var slice = new KpiSlice(Blank(q["campaign"]), Blank(q["publisher"]), q["subId"].FirstOrDefault(), Blank(q["buyer"]));
        var report = await kpis.ReportAsync(from, to, slice, bucket, ct);
        return TypedResults.Ok(new KpiResponse(report.From, report.To, bucketName, slice.Campaign, slice.Publisher, slice.SubId, slice.Buyer,
            report.Totals, report.Previous, report.Buckets.Select(b => new KpiBucketView(b.Start, b.Figures)).ToList(),
            report.ByCampaign, report.ByPublisher, report.ByBuyer));
    }

    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;

    // Times the database, the minute rollups and "the previous equal range" can all represent:
    // at DateTimeOffset's extremes the arithmetic overflows.
    private static readonly DateTimeOffset MinTime = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset MaxTime = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset? ParseTime(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(value)) return null;
        // In UTC: the database compares stored times as UTC instants, so "10:00+05:00" must become "05:00Z".
        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            errors[name] = ["must be an ISO-8601 time"];
        else if (t < MinTime || t > MaxTime) errors[name] = [$"must be between {MinTime:yyyy-MM-dd} and {MaxTime:yyyy-MM-dd} (UTC)"];
        else return t.ToUniversalTime();
        return null;
    }

    private static int ParseInt(string? value, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(value)) return fallback;
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        errors[name] = [$"must be a whole number from {min} to {max}"];
        return fallback;
    }
}

public sealed record LeadDetail(Guid LeadId, string Status, string Campaign, string Publisher, string? SubId, string? ExternalId, bool Test,
    decimal? Price, string? Buyer, string? Contract, decimal Payout, string? Reason, DateTimeOffset ReceivedAt, DateTimeOffset? FinishedAt,
    JsonNode? Fields, Dictionary<string, string[]>? Errors, IReadOnlyList<TraceStepView> Trace, IReadOnlyList<SaleView>? Sales = null);

public sealed record LeadSummary(Guid LeadId, string Status, string Campaign, string Publisher, string? SubId, bool Test, decimal? Price,
    string? Buyer, string? Contract, decimal Payout, DateTimeOffset ReceivedAt);

public sealed record SettledLead(Guid LeadId, string Status);

public sealed record LeadPage(int Page, int PageSize, int Total, IReadOnlyList<LeadSummary> Items);

// `from`/`to` are the range actually summed: rollups are per minute, so it is widened to whole minutes.
// `previous` is the equal range just before it, for deltas.
public sealed record KpiResponse(DateTimeOffset From, DateTimeOffset To, string Bucket, string? Campaign, string? Publisher, string? SubId,
    string? Buyer, KpiFigures Totals, KpiFigures Previous, IReadOnlyList<KpiBucketView> Buckets,
    IReadOnlyList<KpiBreakdownRow> ByCampaign, IReadOnlyList<KpiBreakdownRow> ByPublisher, IReadOnlyList<KpiBreakdownRow> ByBuyer);

public sealed record KpiBucketView(DateTimeOffset Start, KpiFigures Figures);
