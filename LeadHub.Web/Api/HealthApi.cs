using LeadHub.Core.Leads;
using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Web.Api;

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTags("Health");
        group.MapGet("/live", () => TypedResults.Ok(new { status = "live" })).WithSummary("The process answers");
        group.MapGet("/ready", Ready).WithSummary("The database is reachable and the hot path is warm");
        return app;
    }

    private static async Task<IResult> Ready(IDbContextFactory<LeadHubDbContext> dbFactory, HotPathWarmUp warmUp, CancellationToken ct)
    {
        // A load balancer that waits for this sends no lead to a node still compiling its hot path.
        if (!warmUp.IsWarm)
            return PublisherRequests.Problem(StatusCodes.Status503ServiceUnavailable, "Not ready", "Warming up the hot path.");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Database.CanConnectAsync(ct)
            ? TypedResults.Ok(new { status = "ready" })
            : PublisherRequests.Problem(StatusCodes.Status503ServiceUnavailable, "Not ready", "The database is not reachable.");
    }
}
