using System.Text.Json;
using LeadHub.Core.Lab;
using LeadHub.Core.Validation;
using LeadHub.Core.Workspace;

namespace LeadHub.Web.Api;

// A campaign's live split through the admin API (README "Live split"): the A/B comparison, start or
// replace, promote plan B, stop. The same LiveSplits service as the portal page; actor "admin-api".
public static class SplitApi
{
    private const int MaxJsonBytes = 64 * 1024;
    private const string Actor = "admin-api";

    // `id` null: one is made from the campaign and the time. `shareB`: 0.10 sends 10 % of new leads to plan B.
    public sealed record SplitRequest(string? Id, decimal? ShareB, RoutingPlan? PlanB);

    public sealed record FigureView(double Value, double? Low, double? High);
    public sealed record ArmView(string Arm, long Leads, long Sold, FigureView SellThrough, decimal Revenue, FigureView Rpl,
        decimal Payout, decimal Margin, long Posts, long RejectedPosts, FigureView RejectRate);
    public sealed record ComparisonView(double Difference, double? Low, double? High, double PValue, bool EnoughData, bool Significant, string Verdict);
    public sealed record SplitReport(string Campaign, SplitConfig Split, ArmView A, ArmView B, ComparisonView Rpl, ComparisonView SellThrough,
        ComparisonView RejectRate, string Summary, long? MoreLeadsPerArm);

    public static IEndpointRouteBuilder MapSplitApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin/campaigns/{key}/split").WithTags("Admin API")
            .AddEndpointFilter(AdminApi.RequireAdminToken).ProducesProblem(401);
        group.MapGet("", Get).WithSummary("The running split's A/B comparison: RPL, sell-through, reject rate, with significance")
            .Produces<SplitReport>().ProducesProblem(404);
        group.MapPut("", Start).WithSummary("Start a live split, or replace the running one: { id?, shareB, planB }")
            .Accepts<SplitRequest>("application/json")
            .Produces<SplitConfig>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(413);
        group.MapPost("/promote", Promote).WithSummary("Make plan B the campaign's routing and end the split")
            .Produces<CampaignConfig>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);
        group.MapDelete("", Stop).WithSummary("Stop the split: plan A routes every lead again")
            .Produces(204).ProducesProblem(404).ProducesProblem(409);
        return app;
    }

    private static async Task<IResult> Get(string key, SplitQueries queries, RoutingSnapshotHolder snapshots, CancellationToken ct)
    {
        if (!snapshots.Current.Campaigns.ContainsKey(key)) return UnknownCampaign(key);
        var comparison = await queries.CompareAsync(key, ct);
        return comparison is null ? NoSplit(key, StatusCodes.Status404NotFound) : TypedResults.Ok(ReportOf(comparison));
    }

    private static async Task<IResult> Start(string key, HttpRequest request, LiveSplits splits, CancellationToken ct)
    {
        var body = await PublisherRequests.ReadBodyAsync(request, MaxJsonBytes);
        if (body is null)
            return PublisherRequests.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The body must be at most {MaxJsonBytes} bytes.");
        SplitRequest? input = null;
        try
        {
            // Lone surrogates and invalid UTF-8 are found first: the serializer would fail on them without a path.
            using var parsed = JsonUnicode.Parse(body, out var invalid);
            if (invalid.Count > 0) return Refused([.. invalid.Select(p => new WorkspaceError("$." + p, JsonUnicode.Message))]);
            input = parsed.RootElement.ValueKind == JsonValueKind.Object
                ? parsed.RootElement.Deserialize<SplitRequest>(WorkspaceJson.ImportOptions)
                : null;
        }
        catch (JsonException e) when (e.Path is { Length: > 1 })
        {
            return Refused([new WorkspaceError(e.Path, "has the wrong type or format")]);
        }
        catch (JsonException)
        {
        }
        if (input is null)
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Malformed body",
                "Send { \"id\": \"optional-name\", \"shareB\": 0.10, \"planB\": { … a routing plan … } }.");
        if (input.ShareB is not { } share) return Refused([new WorkspaceError("$.shareB", "is required, e.g. 0.10 for 10 % of new leads to plan B")]);
        return await splits.StartAsync(key, input.Id, share, input.PlanB, Actor, ct) switch
        {
            SplitChange.Done d => TypedResults.Ok(d.Campaign.Split),
            var other => Answer(key, other),
        };
    }

    private static async Task<IResult> Promote(string key, LiveSplits splits, CancellationToken ct) =>
        await splits.PromoteAsync(key, Actor, ct) switch
        {
            SplitChange.Done d => TypedResults.Ok(d.Campaign),
            var other => Answer(key, other),
        };

    private static async Task<IResult> Stop(string key, LiveSplits splits, CancellationToken ct) =>
        await splits.StopAsync(key, Actor, ct) switch
        {
            SplitChange.Done => TypedResults.NoContent(),
            var other => Answer(key, other),
        };

    private static IResult Answer(string key, SplitChange change) => change switch
    {
        SplitChange.UnknownCampaign => UnknownCampaign(key),
        SplitChange.NoSplit => NoSplit(key, StatusCodes.Status409Conflict),
        SplitChange.Refused r => Refused(r.Errors),
        _ => throw new InvalidOperationException($"unexpected {change}"),
    };

    private static IResult Refused(IReadOnlyList<WorkspaceError> errors) =>
        PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Invalid split", $"{errors.Count} problem(s); nothing was changed.",
            errors.GroupBy(e => e.Path).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));

    private static IResult UnknownCampaign(string key) =>
        PublisherRequests.Problem(StatusCodes.Status404NotFound, "Unknown campaign", $"There is no campaign {key}.");

    private static IResult NoSplit(string key, int status) =>
        PublisherRequests.Problem(status, "No split running", $"Campaign {key} runs no live split; start one with PUT first.");

    public static SplitReport ReportOf(SplitComparison c) => new(c.Campaign, c.Split, Arm(c.A), Arm(c.B), View(c.Rpl), View(c.SellThrough),
        View(c.RejectRate), c.Summary, c.MoreLeadsPerArm);

    private static ArmView Arm(SplitArmFigures a) => new(a.Arm, a.Leads, a.Sold, View(a.SellThrough), a.Revenue, View(a.Rpl), a.Payout, a.Margin,
        a.Posts, a.RejectedPosts, View(a.RejectRate));

    // JSON has no NaN: an interval that cannot be computed yet (under two leads) is null.
    private static FigureView View(Estimate e) => new(e.Value, Finite(e.Low), Finite(e.High));

    private static ComparisonView View(Comparison c) =>
        new(c.Difference, Finite(c.Low), Finite(c.High), c.PValue, c.EnoughData, c.Significant, c.Verdict);

    private static double? Finite(double d) => double.IsFinite(d) ? d : null;
}
