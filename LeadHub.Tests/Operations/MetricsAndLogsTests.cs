using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace LeadHub.Tests.Operations;

// Run alone, and no other host is built or disposed beside this one: OpenTelemetry keys a series by
// its meter's name, so each test host's "System.Net.Http" meter feeds every host's scrape, and one
// host's disposal ends the shared series for all (open-telemetry/opentelemetry-dotnet#6412). A scrape
// under the parallel suite lost http_client_request_duration_seconds that way. One app per process,
// as in production, has one meter of each name and never meets this.
[CollectionDefinition(nameof(MetricsAndLogsTests), DisableParallelization = true)]
public sealed class MetricsAndLogsCollection;

// What an operator scrapes and reads: the Prometheus series README documents, behind their own
// token, and log lines that name a lead by its id and never by its person.
[Collection(nameof(MetricsAndLogsTests))]
public sealed class MetricsAndLogsTests(MetricsAndLogsTests.Host host) : IClassFixture<MetricsAndLogsTests.Host>, IAsyncLifetime
{
    private const string ScrapeToken = "scrape-token-0123456789";
    private LoopbackBuyers _buyers = null!;

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync() => await _buyers.DisposeAsync();

    private async Task<(HttpClient Publisher, string Campaign)> SellingCampaignAsync(Host? on = null)
    {
        on ??= host;
        // Deadlines no test machine's load reaches: these tests are about what is scraped and logged, not
        // how fast (an 800 ms auction on a host's first, still-cold leads timed out once under a full suite).
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("ops"), auctionTimeoutMs: 10_000);
        var buyer = TestWorkspace.Unique("opsbuyer");
        _buyers.Set(buyer, new BuyerBehaviour { Ping = BuyerAnswer.Bid(12), Post = BuyerAnswer.Accept() });
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        await on.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers = [TestWorkspace.Buyer(buyer, TestWorkspace.PingPost(buyer + "-c", campaign.Key, _buyers.PingUrl(buyer), _buyers.PostUrl(buyer), 0, 5_000))],
        });
        return (on.Publisher(apiKey), campaign.Key);
    }

    private static async Task<JsonElement> SellAsync(HttpClient publisher, object lead, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/leads") { Content = JsonContent.Create(lead) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        var response = await publisher.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sold", answer.GetProperty("status").GetString());
        return answer;
    }

    // The series README "Metrics" lists, as Prometheus names them.
    public static readonly string[] DocumentedSeries =
    [
        "leadhub_leads_total{", "leadhub_auction_duration_milliseconds_bucket{", "leadhub_post_duration_milliseconds_bucket{",
        "leadhub_pings_total{", "leadhub_writer_batch_size_bucket{", "leadhub_writer_commit_duration_milliseconds_bucket{",
        "leadhub_circuit_state{", "http_server_request_duration_seconds_bucket{", "http_client_request_duration_seconds_bucket{",
    ];

    [Fact]
    public async Task After_a_few_sold_leads_the_scrape_shows_the_documented_series()
    {
        var (publisher, campaign) = await SellingCampaignAsync();
        for (var i = 0; i < 3; i++) await SellAsync(publisher, TestWorkspace.Lead(campaign));

        using var scraper = host.CreateClient();
        scraper.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ScrapeToken);
        var body = await scraper.GetStringAsync("/ops/metrics");

        foreach (var series in DocumentedSeries) Assert.Contains(series, body);
        Assert.Contains("leadhub_leads_total{otel_scope_name=\"LeadHub\",otel_scope_version=\"1.0\",status=\"sold\"}", body);
        Assert.Contains("outcome=\"bid\"", body);
        Assert.DoesNotContain("@example.com", body);
    }

    [Fact]
    public async Task The_scrape_carries_no_framework_series_beyond_the_documented_two()
    {
        var (publisher, campaign) = await SellingCampaignAsync();
        for (var i = 0; i < 3; i++) await SellAsync(publisher, TestWorkspace.Lead(campaign));

        using var scraper = host.CreateClient();
        scraper.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ScrapeToken);
        var body = await scraper.GetStringAsync("/ops/metrics");

        // Each undocumented framework instrument was recorded on every buyer call: the hot path paid for series nobody read.
        var names = body.Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => line[..line.IndexOfAny(['{', ' '])])
            .Select(name => System.Text.RegularExpressions.Regex.Replace(name, "_(bucket|sum|count)$", ""))
            .Where(name => !name.StartsWith("leadhub_", StringComparison.Ordinal) && name != "target_info")
            .ToHashSet();
        Assert.Equal(["http_client_request_duration_seconds", "http_server_request_duration_seconds"], names.Order());
    }

    [Fact]
    public async Task Edits_to_the_settings_file_are_found_by_polling_so_database_writes_wake_no_file_watcher()
    {
        var (publisher, campaign) = await SellingCampaignAsync();
        await SellAsync(publisher, TestWorkspace.Lead(campaign));

        // A FileSystemWatcher on the content root heard every write to data/leadhub.db beneath it:
        // one lead at a time ran at 2.0 ms p50 with it and 1.5 ms without.
        var config = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
        var watched = config.Providers.OfType<JsonConfigurationProvider>()
            .Where(p => p.Source.ReloadOnChange).ToList();
        Assert.NotEmpty(watched);
        Assert.All(watched, p =>
        {
            var files = Assert.IsType<PhysicalFileProvider>(p.Source.FileProvider);
            // Watched by a FileSystemWatcher, the file's token is a CancellationChangeToken alone; polled
            // actively (the provider then makes no FileSystemWatcher), it carries a polling token that calls back.
            var token = files.Watch(p.Source.Path!);
            var tokens = token is CompositeChangeToken composite ? composite.ChangeTokens : [token];
            Assert.Contains(tokens, t => t is PollingFileChangeToken { ActiveChangeCallbacks: true });
        });
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    [InlineData(LeadHubFactory.AdminToken)]
    public async Task Scrape_without_its_own_token_is_refused(string? token)
    {
        using var scraper = host.CreateClient();
        if (token is not null) scraper.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await scraper.GetAsync("/ops/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("leadhub_", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Basic " + ScrapeToken)]
    [InlineData(ScrapeToken)]
    [InlineData("Bearer " + ScrapeToken + "x")]
    public async Task Scrape_with_a_malformed_authorization_header_is_refused(string header)
    {
        using var scraper = host.CreateClient();
        scraper.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", header);
        Assert.Equal(HttpStatusCode.Unauthorized, (await scraper.GetAsync("/ops/metrics")).StatusCode);
    }

    // A sold lead may log nothing at all; here its dedupe read before the pings fails (as a dropped
    // database connection would), and the warning about it is written inside the lead's scope.
    [Fact]
    public async Task Log_lines_about_a_sold_lead_carry_its_id_and_none_of_its_person()
    {
        await using var failing = new FailingDedupeReadHost();
        var (publisher, campaign) = await SellingCampaignAsync(failing);
        var phone = "+1 415 555 " + Random.Shared.Next(1000, 9999);
        var email = $"zoe.{Guid.NewGuid():N}@example.com";
        var answer = await SellAsync(publisher, TestWorkspace.Lead(campaign, new { first_name = "Zoewyn", last_name = "Quarrington", email, phone }),
            idempotencyKey: "retry-safe-" + Guid.NewGuid().ToString("N"));
        var leadId = answer.GetProperty("leadId").GetString()!;

        var aboutLead = failing.Lines.Where(l => l.LeadId == leadId).ToList();
        Assert.NotEmpty(aboutLead);
        var digits = new string(phone.Where(char.IsDigit).ToArray());
        foreach (var line in failing.Lines.Select(l => l.Text))
        {
            Assert.DoesNotContain(email, line, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Zoewyn", line);
            Assert.DoesNotContain("Quarrington", line);
            Assert.DoesNotContain(digits, new string(line.Where(char.IsDigit).ToArray()));
        }
    }

    public sealed record Line(string Category, string? LeadId, string Text);

    public sealed class FailingDedupeReadHost : Host
    {
        protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
            [.. base.ExtraSettings, new("LeadHub:Testing:FailDedupeRead", "true")];
    }

    public class Host : LeadHubFactory
    {
        public ConcurrentQueue<Line> Lines { get; } = new();

        protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
        [
            new("LeadHub:Metrics:Enabled", "true"),
            new("LeadHub:Metrics:PrometheusPath", "/ops/metrics"),
            new("LeadHub:Metrics:Token", ScrapeToken),
        ];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging =>
            {
                logging.AddProvider(new ScopedCapture(Lines));
                logging.AddFilter<ScopedCapture>(null, LogLevel.Trace);
            });
        }
    }

    // Keeps each line with the scopes around it, as the JSON console formatter writes them.
    private sealed class ScopedCapture(ConcurrentQueue<Line> lines) : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose() { }

        private sealed class Logger(string category, ScopedCapture owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                string? leadId = null;
                var text = new System.Text.StringBuilder($"{category}: {formatter(state, exception)} {exception}");
                owner._scopes.ForEachScope((scope, _) =>
                {
                    text.Append(" | ").Append(scope);
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                        foreach (var (key, value) in pairs)
                        {
                            if (key == "LeadId") leadId = value?.ToString();
                            text.Append(' ').Append(key).Append('=').Append(value);
                        }
                }, (object?)null);
                owner.Lines_.Enqueue(new Line(category, leadId, text.ToString()));
            }
        }

        private ConcurrentQueue<Line> Lines_ => lines;
    }
}

// Hosts built only to be refused or to show nothing: kept apart from the scrape above, whose series
// a disposed host would end.
public sealed class MetricsSwitchTests
{
    [Fact]
    public async Task Metrics_switched_on_without_a_token_stop_the_start_with_a_clear_message()
    {
        await using var careless = new TokenlessMetricsHost();
        var error = Assert.Throws<InvalidOperationException>(() => careless.Services);
        Assert.Contains("LeadHub:Metrics:Token", error.Message);
    }

    private sealed class TokenlessMetricsHost : LeadHubFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => [new("LeadHub:Metrics:Enabled", "true")];
    }

    [Fact]
    public async Task Metrics_endpoint_is_not_there_unless_switched_on()
    {
        await using var plain = new LeadHubFactory();
        using var client = plain.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/metrics")).StatusCode);
    }
}
