using System.Security.Claims;
using System.Text.Json.Nodes;
using LeadHub.Core.Exports;
using LeadHub.Core.Kpis;
using LeadHub.Core.Leads;
using LeadHub.Core.Returns;
using LeadHub.Core.Security;
using LeadHub.Core.Storage;
using LeadHub.Core.Validation;
using LeadHub.Core.Workspace;
using LeadHub.Web.Portal;

namespace LeadHub.Web.Api;

// CSV exports of every portal table, twice: for a signed-in portal user at /export/{table}.csv
// (times in the user's zone, personal data only for roles that see it on screen) and for the
// admin API at /api/v1/admin/{table}.csv (UTC, the admin token sees what the admin API shows).
// Both take the same query parameters (a lead search's, LeadSearchQuery; other tables use its
// range/from/to) and answer a bad one with an RFC 7807 400 before writing anything.
public static class ExportApi
{
    public sealed record Export(HttpContext Http, TimeZoneInfo Zone, bool SeesPii)
    {
        public CancellationToken Ct => Http.RequestAborted;
        public T Service<T>() where T : notnull => Http.RequestServices.GetRequiredService<T>();
        public DateTimeOffset Now => Service<TimeProvider>().GetUtcNow();
    }

    public static IEndpointRouteBuilder MapExportApi(this IEndpointRouteBuilder app)
    {
        var portal = app.MapGroup("/export").WithTags("Portal exports").ExcludeFromDescription().RequireAuthorization();
        var admin = app.MapGroup("/api/v1/admin").WithTags("Admin API").AddEndpointFilter(AdminApi.RequireAdminToken).ProducesProblem(401);
        foreach (var table in Tables)
        {
            portal.MapGet($"/{table.Name}.csv", (Func<HttpContext, Task<IResult>>)(http => PortalAsync(http, table)));
            admin.MapGet($"/{table.Name}.csv", (Func<HttpContext, Task<IResult>>)(http => table.Write(new Export(http, TimeZoneInfo.Utc, SeesPii: true))))
                .WithSummary($"CSV of {table.Name} (streamed; times UTC ISO 8601)").Produces(200, contentType: "text/csv").ProducesValidationProblem(400);
        }
        return app;
    }

    // Role checked here rather than by the cookie policy: the cookie scheme answers a refusal
    // with a redirect to the sign-in pages, and a download should get a plain 403.
    private static async Task<IResult> PortalAsync(HttpContext http, Table table)
    {
        var user = http.User;
        if (!table.Roles.Split(',').Any(user.IsInRole))
            return PublisherRequests.Problem(StatusCodes.Status403Forbidden, "Forbidden", $"Your role may not export {table.Name}.");
        var time = http.RequestServices.GetRequiredService<UserTime>();
        await time.LoadAsync(user, http.RequestAborted);
        // As on the lead page: viewers never see personal data.
        return await table.Write(new Export(http, time.Zone, SeesPii: user.IsInRole(Web.Roles.Admin) || user.IsInRole(Web.Roles.Manager)));
    }

    private static async Task<IResult> WriteAsync<T>(Export e, string name, IReadOnlyList<CsvColumn<T>> columns, IAsyncEnumerable<T> rows)
    {
        var response = e.Http.Response;
        response.ContentType = Csv.ContentType;
        response.Headers.ContentDisposition = $"attachment; filename=\"leadhub-{name}-{e.Now.UtcDateTime:yyyyMMdd-HHmm}.csv\"";
        response.Headers.CacheControl = "no-store";
        await Csv.WriteAsync(response.Body, columns, rows, e.Zone, e.Ct);
        return TypedResults.Empty;
    }

    private static IResult BadQuery(Dictionary<string, string[]> errors) =>
        PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Bad query", "Nothing was exported; fix the parameters named in `errors`.", errors);

    private static Task<IResult> WindowedAsync<T>(Export e, string name, IReadOnlyList<CsvColumn<T>> columns,
        Func<DateTimeOffset?, DateTimeOffset?, IAsyncEnumerable<T>> rows)
    {
        var (query, errors) = LeadSearchQuery.Parse(e.Http.Request.Query);
        if (errors.Count > 0) return Task.FromResult(BadQuery(errors));
        var filter = query.ToFilter(e.Now, e.Zone);
        return WriteAsync(e, name, columns, rows(filter.From, filter.To));
    }

    private static async Task<IResult> KpisAsync(Export e, string name, Func<KpiReport, IReadOnlyList<KpiBreakdownRow>> rows)
    {
        var (query, errors) = LeadSearchQuery.Parse(e.Http.Request.Query);
        if (errors.Count > 0) return BadQuery(errors);
        // Without a range: today in the reader's zone, as the dashboard opens.
        var filter = (query.Range is null && query.From is null && query.To is null ? query with { Range = Components.Shared.ReportRange.Today } : query)
            .ToFilter(e.Now, e.Zone);
        var (from, to) = (filter.From ?? e.Now.AddDays(-1), filter.To ?? e.Now);
        if (to - from > TimeSpan.FromDays(366)) return BadQuery(new() { ["from"] = ["the range must be at most 366 days"] });
        var report = await e.Service<KpiQueries>().ReportAsync(from, to, new KpiSlice(query.Campaign, query.Publisher, query.SubId, query.Buyer),
            KpiBucket.Day, e.Ct);
        return await WriteAsync(e, name, KpiColumns, Csv.Rows(rows(report)));
    }

    private static async Task<IResult> LeadsAsync(Export e)
    {
        var (query, errors) = LeadSearchQuery.Parse(e.Http.Request.Query);
        if (errors.Count > 0) return BadQuery(errors);
        var rows = e.Service<LeadQueries>().StreamAsync(query.ToFilter(e.Now, e.Zone), query.Sort, query.Ascending, e.Ct);
        return await WriteAsync(e, "leads", e.SeesPii ? LeadColumnsWithPii : LeadColumns, WithFields(rows));
    }

    public sealed record LeadCsvRow(LeadExportRow Lead, JsonObject Fields)
    {
        public string? Field(string name) => Fields[name] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            var node => node.ToJsonString(),
        };
    }

    private static async IAsyncEnumerable<LeadCsvRow> WithFields(IAsyncEnumerable<LeadExportRow> rows)
    {
        await foreach (var row in rows)
        {
            JsonObject fields;
            try
            {
                fields = JsonNode.Parse(JsonUnicode.Repair(row.FieldsJson)) as JsonObject ?? [];
            }
            catch (System.Text.Json.JsonException)
            {
                fields = [];
            }
            yield return new LeadCsvRow(row, fields);
        }
    }

    public static readonly IReadOnlyList<CsvColumn<LeadCsvRow>> LeadColumns =
    [
        new("lead_id", r => r.Lead.Id),
        new("received_at", r => r.Lead.ReceivedAt),
        new("status", r => r.Lead.Status),
        new("test", r => r.Lead.Test),
        new("campaign", r => r.Lead.CampaignKey),
        new("publisher", r => r.Lead.PublisherKey),
        new("sub_id", r => r.Lead.SubId),
        new("external_id", r => r.Lead.ExternalId),
        new("buyer", r => r.Lead.BuyerKey),
        new("contract", r => r.Lead.ContractKey),
        new("price", r => r.Lead.Price),
        new("payout", r => r.Lead.Payout),
        new("state", r => r.Field("state")),
        new("zip", r => r.Field("zip")),
    ];

    // The contact fields of the reference campaign (CONTRACT §4); only for roles that see PII.
    public static readonly IReadOnlyList<CsvColumn<LeadCsvRow>> LeadColumnsWithPii =
    [
        .. LeadColumns,
        new("first_name", r => r.Field("first_name")),
        new("last_name", r => r.Field("last_name")),
        new("email", r => r.Field("email")),
        new("phone", r => r.Field("phone")),
    ];

    public static readonly IReadOnlyList<CsvColumn<BuyerConfig>> BuyerColumns =
    [
        new("key", b => b.Key),
        new("name", b => b.Name),
        new("active", b => b.Active),
        new("time_zone", b => b.TimeZone ?? "UTC"),
        new("segments", b => string.Join(";", b.Segments)),
        new("hourly_cap", b => b.Caps?.Hourly),
        new("daily_cap", b => b.Caps?.Daily),
        new("weekly_cap", b => b.Caps?.Weekly),
        new("monthly_cap", b => b.Caps?.Monthly),
        new("daily_budget", b => b.Caps?.DailyBudget),
        new("contracts", b => b.Contracts.Count),
        new("active_contracts", b => b.Contracts.Count(c => c.Active)),
    ];

    public static readonly IReadOnlyList<CsvColumn<CampaignConfig>> CampaignColumns =
    [
        new("key", c => c.Key),
        new("name", c => c.Name),
        new("active", c => c.Active),
        new("floor", c => c.Floor),
        new("max_bid", c => c.MaxBid),
        new("auction_timeout_ms", c => c.AuctionTimeoutMs),
        new("max_post_attempts", c => c.MaxPostAttempts),
        new("dedupe_window_days", c => c.DedupeWindowDays),
        new("return_window_days", c => c.ReturnWindowDays),
        new("tiers", c => c.Tiers.Count),
        new("fields", c => string.Join(";", c.Fields.Select(f => f.Name))),
    ];

    public static readonly IReadOnlyList<CsvColumn<PublisherConfig>> PublisherColumns =
    [
        new("key", p => p.Key),
        new("name", p => p.Name),
        new("active", p => p.Active),
        new("campaigns", p => string.Join(";", p.Campaigns)),
        new("payout_model", p => p.Payout.Model),
        new("payout_percent", p => p.Payout.Model == PayoutModels.Revshare ? p.Payout.Percent : null),
        new("payout_amount", p => p.Payout.Model == PayoutModels.Fixed ? p.Payout.Amount : null),
        new("rate_limit_per_second", p => p.RateLimitPerSecond),
    ];

    public static readonly IReadOnlyList<CsvColumn<ReturnRow>> ReturnColumns =
    [
        new("return_id", r => r.Id),
        new("lead_id", r => r.LeadId),
        new("buyer", r => r.BuyerKey),
        new("campaign", r => r.CampaignKey),
        new("publisher", r => r.PublisherKey),
        new("status", r => r.Status),
        new("reason", r => r.Reason),
        new("credit", r => r.Credit),
        new("payout_reversed", r => r.PayoutReversed),
        new("requested_at", r => r.RequestedAt),
        new("requested_by", r => r.RequestedBy),
        new("decided_at", r => r.DecidedAt),
        new("decided_by", r => r.DecidedBy),
        new("note", r => r.DecisionNote),
    ];

    public static readonly IReadOnlyList<CsvColumn<LeadSaleRow>> SharedSaleColumns =
    [
        new("lead_id", s => s.LeadId),
        new("buyer", s => s.BuyerKey),
        new("contract", s => s.ContractKey),
        new("price", s => s.Price),
        new("payout", s => s.Payout),
        new("sold_at", s => s.SoldAt),
        new("returned_at", s => s.ReturnedAt),
    ];

    public static readonly IReadOnlyList<CsvColumn<AlertRow>> AlertColumns =
    [
        new("alert_id", a => a.Id),
        new("created_at", a => a.CreatedAt),
        new("updated_at", a => a.UpdatedAt),
        new("kind", a => a.Kind),
        new("subject", a => a.Subject),
        new("status", a => a.Status),
        new("message", a => a.Message),
        new("handled_by", a => a.HandledBy),
        new("handled_at", a => a.HandledAt),
    ];

    public static readonly IReadOnlyList<CsvColumn<LeadHub.Core.Postbacks.PostbackLogEntry>> PostbackColumns =
    [
        new("postback_id", p => p.Id),
        new("created_at", p => p.CreatedAt),
        new("publisher", p => p.Publisher),
        new("lead_id", p => p.LeadId),
        new("event", p => p.Event),
        new("payout", p => p.Payout),
        new("reason_code", p => p.ReasonCode),
        new("state", p => p.State),
        new("attempts", p => p.Attempts),
        new("last_attempt_at", p => p.LastAttemptAt),
        new("last_status", p => p.LastStatus),
        new("last_error", p => p.LastError),
        new("last_request", p => p.LastRequest),
        new("delivered_at", p => p.DeliveredAt),
    ];

    public static readonly IReadOnlyList<CsvColumn<AuditRow>> AuditColumns =
    [
        new("audit_id", a => a.Id),
        new("at", a => a.At),
        new("actor", a => a.Actor),
        new("action", a => a.Action),
        new("entity_type", a => a.EntityType),
        new("entity_key", a => a.EntityKey),
        new("before", a => a.Before),
        new("after", a => a.After),
    ];

    public static readonly IReadOnlyList<CsvColumn<KpiBreakdownRow>> KpiColumns =
    [
        new("key", r => r.Key),
        new("sub_id", r => r.SubId),
        new("leads", r => r.Figures.Leads),
        new("valid", r => r.Figures.Valid),
        new("sold", r => r.Figures.Sold),
        // Every sale: a shared lead counts once in sold and once per buyer here.
        new("sales", r => r.Figures.Sales),
        new("revenue", r => r.Figures.Revenue),
        new("revenue_per_lead", r => r.Figures.RevenuePerLead),
        new("sell_through", r => r.Figures.SellThrough),
        new("pings", r => r.Figures.Pings),
        new("posts", r => r.Figures.Posts),
        new("average_bid", r => r.Figures.AverageBid),
        new("reject_rate", r => r.Figures.RejectRate),
        new("return_rate", r => r.Figures.ReturnRate),
        new("payout", r => r.Figures.Payout),
        new("margin", r => r.Figures.Margin),
    ];

    public static readonly IReadOnlyList<CsvColumn<ApiTokenRow>> TokenColumns =
    [
        new("token_id", t => t.Id),
        new("name", t => t.Name),
        new("created_by", t => t.CreatedBy),
        new("created_at", t => t.CreatedAt),
        new("last_used_at", t => t.LastUsedAt),
        new("revoked_at", t => t.RevokedAt),
    ];

    public static readonly IReadOnlyList<CsvColumn<PortalUser>> UserColumns =
    [
        new("email", u => u.Email),
        new("role", u => u.Role),
        new("locked_until", u => u.LockedUntil),
        new("failed_sign_ins", u => u.FailedSignIns),
    ];

    // Last: the column lists above are initialised first.
    // The exportable tables, declared once: both route sets and the portal's Export buttons
    // (ExportCsvButton names a table) come from this list. `Roles`: who may export it in the portal.
    public sealed record Table(string Name, string Roles, Func<Export, Task<IResult>> Write);

    public static readonly IReadOnlyList<Table> Tables =
    [
        new("leads", Web.Roles.Anyone, LeadsAsync),
        new("buyers", Web.Roles.Anyone, e => WriteAsync(e, "buyers", BuyerColumns, Csv.Rows(e.Service<WorkspaceQueries>().Document().Buyers))),
        new("campaigns", Web.Roles.Anyone, e => WriteAsync(e, "campaigns", CampaignColumns, Csv.Rows(e.Service<WorkspaceQueries>().Campaigns()))),
        new("publishers", Web.Roles.Anyone, e => WriteAsync(e, "publishers", PublisherColumns, Csv.Rows(e.Service<WorkspaceQueries>().Document().Publishers))),
        new("returns", Web.Roles.Anyone, e => WindowedAsync(e, "returns", ReturnColumns, (f, t) => e.Service<ExportQueries>().ReturnsAsync(f, t, e.Ct))),
        new("shared-sales", Web.Roles.Anyone, e => WindowedAsync(e, "shared-sales", SharedSaleColumns, (f, t) => e.Service<ExportQueries>().SharedSalesAsync(f, t, e.Ct))),
        new("alerts", Web.Roles.Anyone, e => WindowedAsync(e, "alerts", AlertColumns, (f, t) => e.Service<ExportQueries>().AlertsAsync(f, t, e.Ct))),
        new("postbacks", Web.Roles.Anyone, e => WriteAsync(e, "postbacks", PostbackColumns, e.Service<LeadHub.Core.Postbacks.PostbackQueries>().AllAsync(
            new(e.Http.Request.Query["publisher"].FirstOrDefault(), e.Http.Request.Query["state"].FirstOrDefault()), e.Ct))),
        new("audit", Web.Roles.Anyone, e => WindowedAsync(e, "audit", AuditColumns, (f, t) => e.Service<ExportQueries>().AuditAsync(f, t, e.Ct))),
        new("kpis-by-campaign", Web.Roles.Anyone, e => KpisAsync(e, "kpis-by-campaign", r => r.ByCampaign)),
        new("kpis-by-publisher", Web.Roles.Anyone, e => KpisAsync(e, "kpis-by-publisher", r => r.ByPublisher)),
        new("kpis-by-buyer", Web.Roles.Anyone, e => KpisAsync(e, "kpis-by-buyer", r => r.ByBuyer)),
        new("tokens", Web.Roles.Admin, e => WriteAsync(e, "tokens", TokenColumns, e.Service<ExportQueries>().TokensAsync(e.Ct))),
        new("users", Web.Roles.Admin, async e => await WriteAsync(e, "users", UserColumns, Csv.Rows(await e.Service<PortalUsers>().ListAsync(e.Ct)))),
    ];

}
