using LeadHub.Core;
using LeadHub.Web.Api;
using LeadHub.Web.Sandbox;
using Scalar.AspNetCore;

namespace LeadHub.Web;

public static class LeadHubWebServices
{
    public static WebApplicationBuilder AddLeadHubWeb(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddProblemDetails();
        services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "LeadHub API";
            doc.Info.Description = "Publisher API (leads, pings), admin API (workspace, leads) and health. See CONTRACT.md.";
            return Task.CompletedTask;
        }));
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);

        services.AddSingleton<SandboxMarket>();
        if (DemoOn(builder.Configuration, builder.Environment))
        {
            // A newcomer gets a working admin API without configuring anything: a fresh token,
            // printed once on the console by the demo, unless one is configured.
            if (string.IsNullOrEmpty(builder.Configuration[$"{LeadHubOptions.Section}:AdminApiToken"]))
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

    public static WebApplication UseLeadHubWeb(this WebApplication app)
    {
        // Every unhandled error becomes a bare 500 problem: no stack trace leaves the process.
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        app.MapOpenApi();
        app.MapScalarApiReference();
        app.MapGet("/", () => Results.Redirect("/scalar/")).ExcludeFromDescription();

        app.MapLeadsApi();
        app.MapPingsApi();
        app.MapAdminApi();
        app.MapHealthApi();
        if (DemoOn(app.Configuration, app.Environment) || app.Configuration.GetValue<bool>("LeadHub:Sandbox:Enabled"))
            app.MapSandboxBuyers();
        return app;
    }

    // CONTRACT §7: the demo is on in Development unless configured otherwise.
    public static bool DemoOn(IConfiguration config, IHostEnvironment env) =>
        config.GetValue<bool?>($"{LeadHubOptions.Section}:Demo") ?? env.IsDevelopment();
}
