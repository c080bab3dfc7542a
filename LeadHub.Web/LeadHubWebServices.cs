using LeadHub.Core;
using LeadHub.Core.Storage;
using LeadHub.Web.Api;
using Hangfire;
using LeadHub.Web.Components;
using LeadHub.Web.Jobs;
using LeadHub.Web.Portal;
using LeadHub.Web.Sandbox;
using Microsoft.AspNetCore.Identity;
using MudBlazor.Services;
using Scalar.AspNetCore;

namespace LeadHub.Web;

public static class LeadHubWebServices
{
    public static WebApplicationBuilder AddLeadHubWeb(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Package assets (MudBlazor, blazor.web.js) from a build, not only a publish, in every
        // environment: tests and the bench run the build output in Testing/Production.
        builder.WebHost.UseStaticWebAssets();
        services.AddProblemDetails();
        services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "LeadHub API";
            doc.Info.Description = "Publisher API (leads, pings), buyer API (returns), admin API (workspace, leads) and health. See CONTRACT.md.";
            return Task.CompletedTask;
        }));
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);

        AddPortal(services);

        // One storage per host, made from DI, not Hangfire's static JobStorage.Current: test hosts
        // side by side in one process would otherwise share whichever storage was configured last.
        services.AddSingleton<JobStorage>(sp => JobStorageChoice.Create(sp.GetRequiredService<LeadHubDbFactory>()));
        services.AddHangfire((sp, c) => c.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(sp.GetRequiredService<JobStorage>())
            .UseLogProvider(new HangfireLogs(sp.GetRequiredService<ILoggerFactory>())));
        var web = LeadHubWebOptions.Of(builder.Configuration);
        services.Configure<LeadHubWebOptions>(builder.Configuration.GetSection(LeadHubOptions.Section));
        if (web.Jobs.RunServer)
            services.AddHangfireServer(o => o.WorkerCount = 2);
        services.AddScoped<ReviewJobs>();
        services.AddScoped<LabJobs>();
        services.AddSingleton<LabReplayQueue>();
        services.AddLeadHubMetrics(web.Metrics);
        services.AddLeadHubTracing(web.Tracing);
        services.AddLeadHubHealthChecks();

        services.AddSingleton<SandboxMarket>();
        if (web.DemoOn(builder.Environment))
        {
            // A newcomer gets a working admin API without configuring anything: a fresh token,
            // printed once on the console by the demo, unless one is configured.
            if (string.IsNullOrEmpty(builder.Configuration.GetSection(LeadHubOptions.Section).Get<LeadHubOptions>()?.AdminApiToken))
            {
                var token = LeadHub.Core.Security.ApiKeys.NewKey();
                services.PostConfigure<LeadHubOptions>(o => o.AdminApiToken = token);
                services.AddSingleton(new DemoAdminToken(token));
            }
            services.AddSingleton<DemoRunner>();
            services.AddHostedService(sp => sp.GetRequiredService<DemoRunner>());
        }
        return builder;
    }

    private static void AddPortal(IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddCascadingAuthenticationState();
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = IdentityConstants.ApplicationScheme;
                o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "leadhub.auth";
            o.LoginPath = "/account/login";
            o.AccessDeniedPath = "/account/denied";
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
        });
        services.AddIdentityCore<IdentityUser>(o =>
            {
                o.Password.RequiredLength = 10;
                o.User.RequireUniqueEmail = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<LeadHubDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        services.AddAuthorization();
        services.AddScoped<PortalBootstrap>();
        services.AddSingleton<PortalUsers>();
        services.AddScoped<UserTime>();
    }

    // Migrations, workspace, caps (Core), then portal roles and the first admin.
    public static async Task InitializeLeadHubAsync(this WebApplication app)
    {
        await app.Services.GetRequiredService<LeadHubStartup>().InitializeAsync();
        // Nodes started together on a fresh database may both create the roles or the first
        // admin; the one that loses that race tries again and finds them made.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = app.Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<PortalBootstrap>().InitializeAsync();
                return;
            }
            catch (Microsoft.EntityFrameworkCore.DbUpdateException) when (attempt < 3)
            {
            }
        }
    }

    public static WebApplication UseLeadHubWeb(this WebApplication app)
    {
        app.UseSecurityHeaders();
        // Every unhandled error becomes a bare 500 problem: no stack trace leaves the process.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseHangfireDashboardGate();
        app.UseAntiforgery();

        app.MapStaticAssets();
        app.MapOpenApi();
        app.MapScalarApiReference();

        app.MapLeadsApi();
        app.MapPingsApi();
        app.MapReturnsApi();
        app.MapSuppressionApi();
        app.MapAdminApi();
        app.MapSplitApi();
        app.MapPostbacksApi();
        app.MapExportApi();
        app.MapLabApi();
        app.MapHealthApi();
        app.MapLeadHubMetrics(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LeadHubWebOptions>>().Value.Metrics);
        app.MapAccountEndpoints();
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new HangfireDashboardAuth()],
            DashboardTitle = "LeadHub jobs",
            AppPath = "/",
        });
        ReviewJobs.Schedule(app.Services.GetRequiredService<IRecurringJobManager>());
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        var web = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LeadHubWebOptions>>().Value;
        if (web.DemoOn(app.Environment) || web.Sandbox.Enabled)
            app.MapSandboxBuyers();
        return app;
    }
}
