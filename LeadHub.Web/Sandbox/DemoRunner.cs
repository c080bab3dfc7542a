using System.Net.Http.Json;
using LeadHub.Core;
using LeadHub.Core.Security;
using LeadHub.Core.Workspace;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace LeadHub.Web.Sandbox;

// Demo mode: once the server listens, seed the demo workspace (first start only), point its
// sandbox buyers at this server, give the demo publishers fresh keys, then post realistic
// traffic through the real publisher endpoint so every number in LeadHub moves.
public sealed class DemoRunner(
    IServer server,
    IHostApplicationLifetime lifetime,
    WorkspaceService workspace,
    IHttpClientFactory httpFactory,
    IOptions<LeadHubWebOptions> options,
    TimeProvider time,
    ILogger<DemoRunner> log,
    IServiceProvider services) : BackgroundService
{
    private const int MaxInFlight = 200;
    private readonly TaskCompletionSource _seeded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Completes once the demo workspace is in place and traffic is about to start.
    public Task Seeded => _seeded.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try { await started.Task; }
            catch (TaskCanceledException) { return; }
        }

        var baseUrl = BaseUrl();
        var keys = await SeedAsync(baseUrl, stoppingToken);
        _seeded.TrySetResult();
        var rate = options.Value.DemoLeadsPerSecond;
        if (rate <= 0) return;
        log.LogInformation("Demo traffic: {Rate} leads/s to {BaseUrl}/api/v1/leads", rate, baseUrl);
        await RunTrafficAsync(baseUrl, keys, rate, stoppingToken);
    }

    private async Task<Dictionary<string, string>> SeedAsync(string baseUrl, CancellationToken ct)
    {
        var current = await workspace.ExportAsync(ct);
        var demo = DemoWorkspace.Build(baseUrl);
        var keys = DemoWorkspace.PublisherKeys.ToDictionary(k => k, _ => ApiKeys.NewKey());
        WorkspaceDocument update;
        if (current.Campaigns.Count == 0)
        {
            update = demo with { Publishers = demo.Publishers.Select(p => p with { ApiKey = keys[p.Key] }).ToList() };
            log.LogInformation("Seeding the demo workspace: {Campaigns} campaigns, {Publishers} publishers, {Buyers} buyers",
                demo.Campaigns.Count, demo.Publishers.Count, demo.Buyers.Count);
        }
        else
        {
            // The port may differ from the last run: re-point sandbox buyers at this server.
            update = new WorkspaceDocument
            {
                Publishers = current.Publishers.Where(p => keys.ContainsKey(p.Key)).Select(p => p with { ApiKey = keys[p.Key] }).ToList(),
                Buyers = current.Buyers.Select(b => b with { Contracts = b.Contracts.Select(c => Repoint(c, baseUrl)).ToList() }).ToList(),
            };
        }
        var errors = await workspace.ImportAsync(update, "demo", ct);
        if (errors.Count > 0)
            throw new InvalidOperationException("Demo workspace is invalid: " + string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}")));
        // Straight to the console, not the log pipeline: secrets never go where logs are shipped.
        Console.WriteLine("Demo publisher API keys (new on every start):");
        foreach (var (publisher, key) in keys) Console.WriteLine($"  {publisher,-14} {key}");
        if (services.GetService<DemoAdminToken>() is { } admin)
            Console.WriteLine($"Demo admin API token (new on every start): {admin.Token}");
        return keys.Where(k => update.Publishers.Any(p => p.Key == k.Key)).ToDictionary();
    }

    private static ContractConfig Repoint(ContractConfig c, string baseUrl)
    {
        static string? Fix(string? url, string baseUrl)
        {
            var at = url?.IndexOf(DemoWorkspace.SandboxPath, StringComparison.Ordinal) ?? -1;
            return at < 0 ? url : baseUrl + url![at..];
        }
        return c with { PingUrl = Fix(c.PingUrl, baseUrl), PostUrl = Fix(c.PostUrl, baseUrl) };
    }

    private async Task RunTrafficAsync(string baseUrl, Dictionary<string, string> keys, double rate, CancellationToken ct)
    {
        var snapshotPublishers = (await workspace.ExportAsync(ct)).Publishers.Where(p => keys.ContainsKey(p.Key) && p.Active).ToList();
        if (snapshotPublishers.Count == 0) return;
        var http = httpFactory.CreateClient();
        http.BaseAddress = new Uri(baseUrl);
        var people = new DemoPeople();
        var inFlight = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / rate), time);
        while (await timer.WaitForNextTickAsync(ct))
        {
            // Open loop: a slow answer never slows the arrivals; past a bound, ticks are skipped.
            if (Volatile.Read(ref inFlight) >= MaxInFlight) continue;
            var publisher = snapshotPublishers[Random.Shared.Next(snapshotPublishers.Count)];
            var campaign = publisher.Campaigns[Random.Shared.Next(publisher.Campaigns.Count)];
            var lead = people.Lead(campaign, publisher.Key);
            Interlocked.Increment(ref inFlight);
            _ = PostAsync(http, keys[publisher.Key], lead).ContinueWith(_ => Interlocked.Decrement(ref inFlight), TaskScheduler.Default);
        }
    }

    private async Task PostAsync(HttpClient http, string key, object lead)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/leads") { Content = JsonContent.Create(lead) };
            request.Headers.Add("X-Api-Key", key);
            using var response = await http.SendAsync(request);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            log.LogDebug(e, "Demo lead post failed");
        }
    }

    private string BaseUrl()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a => a.StartsWith("http://"))
                      ?? server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                      ?? "http://localhost:5000";
        var uri = new Uri(address.Replace("://+", "://localhost").Replace("://*", "://localhost").Replace("://0.0.0.0", "://localhost")
            .Replace("://[::]", "://localhost"));
        return $"{uri.Scheme}://{uri.Host}:{uri.Port}";
    }
}

// The admin API token generated for a demo run when none is configured.
public sealed record DemoAdminToken(string Token);
