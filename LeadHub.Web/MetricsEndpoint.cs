using System.Security.Cryptography;
using System.Text;
using LeadHub.Core.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace LeadHub.Web;

// OpenTelemetry metrics (LeadHub's meter, ASP.NET Core, HttpClient) and a Prometheus scrape
// endpoint. Off unless LeadHub:Metrics:Enabled: with no listener the meters cost nothing.
// When on, the endpoint wants its own bearer token (LeadHub:Metrics:Token): per-buyer volumes,
// outcomes and latencies are business figures, and a scrape must not need an admin's token.
// AllowAnonymous is for a port only the scraper can reach.
public sealed class MetricsOptions
{
    public bool Enabled { get; set; }
    public string PrometheusPath { get; set; } = "/metrics";
    public string? Token { get; set; }
    public bool AllowAnonymous { get; set; }
}

public sealed class TracingOptions
{
    // An OTLP collector (e.g. http://otel-collector:4317); traces are off while unset.
    public string? OtlpEndpoint { get; set; }
}

public static class MetricsEndpoint
{
    public static void AddLeadHubTracing(this IServiceCollection services, TracingOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.OtlpEndpoint)) return;
        if (!Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out var endpoint))
            throw new InvalidOperationException($"LeadHub:Tracing:OtlpEndpoint '{options.OtlpEndpoint}' is not an absolute URL.");
        services.AddOpenTelemetry().WithTracing(tracing => tracing
            .AddSource(LeadHubMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddOtlpExporter(o => o.Endpoint = endpoint));
    }

    public static void AddLeadHubMetrics(this IServiceCollection services, MetricsOptions options)
    {
        if (!options.Enabled) return;
        if (!options.AllowAnonymous && string.IsNullOrWhiteSpace(options.Token))
            throw new InvalidOperationException(
                "LeadHub:Metrics:Enabled is true but LeadHub:Metrics:Token is empty: set a token for the scraper, or LeadHub:Metrics:AllowAnonymous=true.");
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(LeadHubMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddView(instrument => instrument.Meter.Name == LeadHubMetrics.MeterName || KeptFrameworkInstruments.Contains(instrument.Name)
                ? null
                : MetricStreamConfiguration.Drop)
            .AddPrometheusExporter());
    }

    // Of ASP.NET Core's and HttpClient's instruments, the two README "Metrics" documents. The others
    // (open connections, active requests, time in queue, route matches, ...) were recorded several
    // times per buyer call, ~11 calls per lead, and were the largest OpenTelemetry cost in a CPU
    // profile of the closed loop; a dropped instrument is never switched on, so it costs a branch.
    public static readonly IReadOnlySet<string> KeptFrameworkInstruments =
        new HashSet<string>(StringComparer.Ordinal) { "http.server.request.duration", "http.client.request.duration" };

    public static void MapLeadHubMetrics(this WebApplication app, MetricsOptions options)
    {
        if (!options.Enabled) return;
        // Only a hash of the token stays in memory; hashes of equal length compare in constant time.
        var expected = options.AllowAnonymous ? null : Hash(options.Token!);
        app.MapPrometheusScrapingEndpoint(options.PrometheusPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            if (expected is not null && !Authorized(context.Request, expected))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return;
            }
            await next(context);
        }), optionsName: null);
    }

    private static bool Authorized(HttpRequest request, byte[] expected)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Hash(header[scheme.Length..].Trim()), expected);
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
