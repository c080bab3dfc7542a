using LeadHub.Web.Api;
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
        return app;
    }
}
