using LeadHub.Core.Delivery;
using LeadHub.Core.Kpis;
using LeadHub.Core.Leads;
using LeadHub.Core.Maintenance;
using LeadHub.Core.Postbacks;
using LeadHub.Core.Returns;
using LeadHub.Core.Reviews;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LeadHub.Core;

public static class LeadHubCoreServices
{
    public static IServiceCollection AddLeadHubCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LeadHubOptions>().Bind(configuration.GetSection(LeadHubOptions.Section));
        services.AddSingleton(TimeProvider.System);

        // One factory knows the provider (SQLite or PostgreSQL); the rest of LeadHub only sees LeadHubDbContext.
        services.AddSingleton<LeadHubDbFactory>();
        services.AddSingleton<IDbContextFactory<LeadHubDbContext>>(sp => sp.GetRequiredService<LeadHubDbFactory>());
        services.AddSingleton<SqliteNodeLock>();
        services.AddScoped(sp => sp.GetRequiredService<LeadHubDbFactory>().CreateDbContext());

        // Buyer credentials are encrypted at rest; the key ring lives in LeadHub's own database so
        // every node and every restart can decrypt what any node stored, itself encrypted with
        // the configured certificate (KeyRingProtection).
        var dataProtection = services.AddDataProtection().SetApplicationName("LeadHub").PersistKeysToDbContext<LeadHubDbContext>();
        services.AddSingleton(LeadHub.Core.Security.KeyRingProtection.Configure(dataProtection, configuration));

        services.AddSingleton<RoutingSnapshotHolder>();
        services.AddSingleton<WorkspaceService>();
        // SQLite means one node, whose memory can arbitrate caps; on a shared PostgreSQL database
        // several nodes sell against the same caps, so the database arbitrates.
        services.AddSingleton<ICapLedger>(sp => sp.GetRequiredService<LeadHubDbFactory>().Provider == DatabaseProviders.Postgres
            ? ActivatorUtilities.CreateInstance<DatabaseCapLedger>(sp)
            : new InMemoryCapLedger());
        services.AddSingleton<RecentRejects>();
        services.AddSingleton<ContractOdds>();
        services.AddSingleton<IContractOdds>(sp => sp.GetRequiredService<ContractOdds>());
        // Return rates for expected-value ranking, counted off the hot path on every node.
        services.AddSingleton<ReturnOddsPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<ReturnOddsPublisher>());
        services.AddSingleton<BuyerHealth>();
        services.AddSingleton<ContractTrial>();
        services.AddSingleton<LeadHub.Core.Security.AdminTokens>();
        services.AddSingleton<LeadHub.Core.Reviews.AlertService>();
        services.AddSingleton<TrafficReviews>();
        services.AddSingleton<Housekeeping>();
        services.AddSingleton<LeadHub.Core.Returns.ReturnReview>();
        services.AddHostedService<ContractAutoPause>();
        services.AddSingleton<NodeIdentity>();
        services.AddSingleton<CrashPoints>();
        services.AddSingleton<IPostJournal, PostJournal>();
        services.AddSingleton<Auction>();
        services.AddSingleton<UnknownOutcomes>();
        services.AddSingleton<Settle>();
        services.AddSingleton<LeadIntake>();
        services.AddSingleton<LeadWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<LeadWriter>());
        services.AddSingleton<SqliteCheckpoints>();
        services.AddHostedService(sp => sp.GetRequiredService<SqliteCheckpoints>());
        services.AddSingleton<PostgresStatistics>();
        services.AddHostedService(sp => sp.GetRequiredService<PostgresStatistics>());
        services.AddSingleton<Cluster.NodeHeartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<Cluster.NodeHeartbeat>());
        services.AddHostedService<Cluster.ConfigWatcher>();
        // Suppression lists: hashes in memory, checked before any ping; reloaded when a list changes.
        services.AddSingleton<Suppression.SuppressionHasher>();
        services.AddSingleton<Suppression.SuppressionLists>();
        services.AddSingleton<Suppression.SuppressionService>();
        services.AddHostedService<Suppression.SuppressionWatcher>();
        services.AddSingleton<LeadRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<LeadRecovery>());
        services.AddSingleton<HotPathWarmUp>();
        services.AddHostedService(sp => sp.GetRequiredService<HotPathWarmUp>());
        services.AddSingleton<PublisherRateLimiter>();
        services.AddSingleton<KpiQueries>();
        services.AddSingleton<LeadHubStartup>();
        services.AddSingleton<ReturnService>();
        services.AddSingleton<ReturnImport>();
        services.AddSingleton<LeadQueries>();
        services.AddSingleton<Lab.LabReplays>();
        services.AddSingleton<LeadHub.Core.Lab.SplitQueries>();
        services.AddSingleton<LeadHub.Core.Lab.LiveSplits>();
        services.AddSingleton<LeadHub.Core.Exports.ExportQueries>();
        services.AddSingleton<WorkspaceQueries>();
        services.AddSingleton<LeadHub.Core.Status.ReceivingStatusQueries>();
        services.AddSingleton<LeadHub.Core.Reviews.AlertQueries>();
        services.AddSingleton<LeadHub.Core.Audit.AuditQueries>();
        services.AddPostbacks(configuration);

        services.AddHttpClient(HttpBuyerTransport.ClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Long-lived pooled connections to buyers; recycled so DNS changes are seen.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                MaxConnectionsPerServer = 1024,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                // BuyerExchange decompresses itself, within the contract's answer limit (a gzip bomb
                // stops there), and a redirect is an error, never followed to an origin nobody configured.
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                AllowAutoRedirect = false,
                UseCookies = false,
                // Buyers are not part of LeadHub's traces: no traceparent header on every ping and post.
                ActivityHeadersPropagator = null,
            })
            // Deadlines come from the auction's own cancellation, not HttpClient's 100 s default.
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            // Requests carry buyer credentials: no header value ever reaches a log.
            .RedactLoggedHeaders(_ => true)
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // Two log lines per ping cost more than the auction's own logic on the hot path.
            .RemoveAllLoggers();
        // The client's handler without the HttpClient around it: eleven buyer calls a lead each paid for
        // a linked cancellation source and HttpClient's bookkeeping (1.3 % of CPU in the closed loop's
        // profile). The handler lives as long as the app (SetHandlerLifetime above).
        services.AddSingleton<IBuyerTransport>(sp => new HttpBuyerTransport(new HttpMessageInvoker(
            sp.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(HttpBuyerTransport.ClientName), disposeHandler: false)));
        return services;
    }
}
