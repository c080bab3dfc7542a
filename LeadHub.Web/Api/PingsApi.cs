using LeadHub.Core;
using LeadHub.Core.Leads;
using LeadHub.Core.Workspace;
using Microsoft.Extensions.Options;

namespace LeadHub.Web.Api;

public static class PingsApi
{
    public static IEndpointRouteBuilder MapPingsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/pings").WithTags("Publisher API");
        group.MapPost("", Ping)
            .WithSummary("Ping: price a lead on its non-PII fields")
            .WithDescription("Pings the buyers and holds their bids until expiresAt. The offer is the publisher's payout if posted.")
            .WithLeadBody()
            .Produces<PingAnswer>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404)
            .ProducesProblem(413).ProducesValidationProblem(422).ProducesProblem(429);
        group.MapPost("/{pingId:guid}/post", Post)
            .WithSummary("Post the full lead for an earlier ping")
            .WithDescription("Same answer as POST /api/v1/leads. Held bids are used while the ping has not expired.")
            .WithLeadBody()
            .Produces<LeadAnswer>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409)
            .ProducesProblem(413).ProducesValidationProblem(422).ProducesProblem(429);
        return app;
    }

    private static async Task<IResult> Ping(HttpContext http, RoutingSnapshotHolder snapshots, PublisherRateLimiter limiter,
        IOptions<LeadHubOptions> options, LeadIntake intake)
    {
        var (publisher, lead, error) = await PublisherRequests.ReadAsync(http, snapshots, limiter, options);
        if (error is not null) return error;
        return PublisherRequests.ToHttp(await intake.PingAsync(publisher!, lead!));
    }

    private static async Task<IResult> Post(Guid pingId, HttpContext http, RoutingSnapshotHolder snapshots, PublisherRateLimiter limiter,
        IOptions<LeadHubOptions> options, LeadIntake intake)
    {
        var (publisher, lead, error) = await PublisherRequests.ReadAsync(http, snapshots, limiter, options);
        if (error is not null) return error;
        return PublisherRequests.ToHttp(await intake.PostPingedAsync(publisher!, pingId, lead!, PublisherRequests.IdempotencyKey(http.Request)));
    }
}
