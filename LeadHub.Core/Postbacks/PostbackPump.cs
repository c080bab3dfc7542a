using LeadHub.Core.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Postbacks;

// Runs the outbox on every node: write what is due, then send it. Nodes share the work through
// the database (the pump's lock, the sender's claims).
public sealed class PostbackPump(PostbackOutbox outbox, IOptions<PostbackOptions> options, TimeProvider time, ILogger<PostbackPump> log)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => !options.Value.Run
        ? Task.CompletedTask
        : Periodic.RunAsync(TimeSpan.FromSeconds(options.Value.IntervalSeconds), time, async ct =>
        {
            await outbox.EnqueueAsync(ct);
            await outbox.DispatchAsync(ct);
        }, log, "Postbacks", stoppingToken);
}

public static class PostbackServices
{
    public static IServiceCollection AddPostbacks(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        services.AddOptions<PostbackOptions>().Bind(configuration.GetSection(PostbackOptions.Section));
        services.AddSingleton<PostbackOutbox>();
        services.AddSingleton<PostbackQueries>();
        services.AddHostedService<PostbackPump>();
        services.AddHttpClient(PostbackOutbox.ClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(5),
                // Like the buyer exchange: decompressed within the answer limit, redirects never followed.
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                AllowAutoRedirect = false,
                UseCookies = false,
            })
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            // The signature header is not a secret, but no header value ever reaches a log.
            .RedactLoggedHeaders(_ => true);
        return services;
    }
}
