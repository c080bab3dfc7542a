using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Web.Api;

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTags("Health");
        group.MapGet("/live", () => TypedResults.Ok(new { status = "live" })).WithSummary("The process answers");
        group.MapGet("/ready", Ready).WithSummary("The database is reachable");
        return app;
    }

    private static async Task<IResult> Ready(IDbContextFactory<LeadHubDbContext> dbFactory, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Database.CanConnectAsync(ct)
            ? TypedResults.Ok(new { status = "ready" })
            : PublisherRequests.Problem(StatusCodes.Status503ServiceUnavailable, "Not ready", "The database is not reachable.");
    }
}
