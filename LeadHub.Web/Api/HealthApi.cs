using LeadHub.Core.Leads;
using LeadHub.Core.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LeadHub.Web.Api;

// CONTRACT §7 health, on ASP.NET Core health checks: /health/live runs no check (the process
// answers), /health/ready runs the checks tagged "ready". A check added here (e.g. a package's
// PostgreSQL check) gates readiness without touching the endpoints.
public static class HealthApi
{
    private const string Ready = "ready";

    public static IServiceCollection AddLeadHubHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<WarmUpCheck>("hot-path-warm", tags: [Ready])
            .AddCheck<DatabaseCheck>("database", tags: [Ready]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", Options(_ => false, "live")).WithMetadata(new HttpMethodMetadata(["GET", "HEAD"]));
        app.MapHealthChecks("/health/ready", Options(c => c.Tags.Contains(Ready), Ready)).WithMetadata(new HttpMethodMetadata(["GET", "HEAD"]));
        return app;
    }

    private static HealthCheckOptions Options(Func<HealthCheckRegistration, bool> predicate, string healthy) => new()
    {
        Predicate = predicate,
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status200OK,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
        // The same bodies as before: {"status":"ready"}, or a problem naming what is not ready.
        ResponseWriter = (context, report) => report.Status == HealthStatus.Unhealthy
            ? PublisherRequests.Problem(StatusCodes.Status503ServiceUnavailable, "Not ready",
                string.Join(" ", report.Entries.Values.Where(e => e.Status == HealthStatus.Unhealthy).Select(e => e.Description))).ExecuteAsync(context)
            : context.Response.WriteAsJsonAsync(new { status = healthy }),
    };

    // A load balancer that waits for this sends no lead to a node still compiling its hot path.
    private sealed class WarmUpCheck(HotPathWarmUp warmUp) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
            Task.FromResult(warmUp.IsWarm ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Warming up the hot path."));
    }

    private sealed class DatabaseCheck(IDbContextFactory<LeadHubDbContext> dbFactory) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            return await db.Database.CanConnectAsync(ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The database is not reachable.");
        }
    }
}
