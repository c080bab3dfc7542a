using LeadHub.Core;
using LeadHub.Core.Leads;
using LeadHub.Core.Telemetry;
using LeadHub.Core.Workspace;
using Microsoft.Extensions.Options;

namespace LeadHub.Web.Api;

public static class LeadsApi
{
    public static IEndpointRouteBuilder MapLeadsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/leads", PostLead)
            .WithTags("Publisher API")
            .WithSummary("Post a full lead (direct post)")
            .WithDescription("Validates, stores, dedupes and routes the lead, then answers with its status and the publisher's payout. " +
                             "Headers: X-Api-Key (required), Idempotency-Key (optional, 24 h).")
            .WithLeadBody()
            .Produces<LeadAnswer>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404)
            .ProducesProblem(413).ProducesValidationProblem(422).ProducesProblem(429);
        return app;
    }

    private static async Task<IResult> PostLead(HttpContext http, RoutingSnapshotHolder snapshots, PublisherRateLimiter limiter,
        IOptions<LeadHubOptions> options, LeadIntake intake, HotPathWarmUp warmUp)
    {
        // A starting node's own warm-up lead (HotPathWarmUp), known by the lane's one-off key: it runs
        // this same path on the lane's private intake and workspace, and LeadHub's meters skip it.
        if (warmUp.Lane is { } lane && lane.Accepts(http.Request.Headers[PublisherRequests.ApiKeyHeader].FirstOrDefault()))
        {
            (snapshots, intake) = (lane.Snapshots, lane.Intake);
            LeadHubMetrics.Muted = true;
        }
        var (publisher, lead, error) = await PublisherRequests.ReadAsync(http, snapshots, limiter, options);
        if (error is not null) return error;
        var result = await intake.SubmitAsync(publisher!, lead!, PublisherRequests.IdempotencyKey(http.Request));
        return PublisherRequests.ToHttp(result);
    }
}

public static class LeadBodyDocs
{
    // Documents the body without `Accepts`, whose content-type check would answer 415 to a
    // publisher that forgot the header; the contract promises 400 for anything not JSON.
    public static RouteHandlerBuilder WithLeadBody(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(LeadRequestDoc), null, ct) },
                },
            };
        });
}

// The documented shape of a lead request (CONTRACT §1), for the OpenAPI document only: the
// endpoint reads the body itself to answer every malformed shape with a clear problem.
public sealed record LeadRequestDoc(string Campaign, string? SubId, string? ExternalId, bool? Test, Dictionary<string, object> Fields);
