using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;

namespace LeadHub.Web.Jobs;

// The Hangfire dashboard can trigger and delete jobs: admins only, checked on every request.
public sealed class HangfireDashboardAuth : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsInRole(Roles.Admin);
}

public static class HangfireDashboardGate
{
    // Before the dashboard's own check (which answers a bare 401/403): someone signed out goes to
    // the login page and back, a signed-in non-admin gets the portal's "Not allowed" page.
    public static WebApplication UseHangfireDashboardGate(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/hangfire") && !context.User.IsInRole(Roles.Admin))
            {
                if (context.User.Identity?.IsAuthenticated == true) await context.ForbidAsync();
                else await context.ChallengeAsync();
                return;
            }
            await next();
        });
        return app;
    }
}
