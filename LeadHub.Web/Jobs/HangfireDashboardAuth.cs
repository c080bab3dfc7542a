using Hangfire.Dashboard;

namespace LeadHub.Web.Jobs;

// The Hangfire dashboard can trigger and delete jobs: admins only, checked on every request.
public sealed class HangfireDashboardAuth : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsInRole(Roles.Admin);
}
