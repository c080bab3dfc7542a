using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using LeadHub.Core.Workspace;

namespace LeadHub.Bench;

// Something the load driver posts leads to: LeadHub (a child process or an external URL) or the baseline.
public interface IBenchTarget : IDisposable
{
    string Name { get; }

    // POST here with the lead JSON of CONTRACT §1 and ApiKey in X-Api-Key.
    Uri LeadsUrl { get; }

    // Every node's URL when there are several; the driver sends to them in turn.
    IReadOnlyList<Uri> AllLeadsUrls => [LeadsUrl];
    string ApiKey { get; }

    // The process whose CPU and memory are charged to this target (the first node when there are
    // several); null when it is not ours.
    ChildProcess? Process { get; }

    // The target's own meters (LeadHub's Prometheus endpoint), when the bench started it.
    BenchMeters? Meters => null;

    // CPU seconds used so far by the target's database server when it runs on this machine
    // (PostgreSQL on loopback); null when there is none or it cannot be read.
    double? DatabaseCpuSeconds() => null;
}

// LeadHub under load: by default LeadHub.Web.dll (next to the bench) as a child process in the
// Production environment on a temporary SQLite file; with --postgres on a fresh PostgreSQL database,
// as --nodes processes sharing it; or an instance already running elsewhere (--target,
// --admin-token). Either way the bench imports its own workspace through the admin API.
public sealed class LeadHubTarget : IBenchTarget
{
    private readonly string? _tempDir;
    private readonly IReadOnlyList<ChildProcess> _nodes;
    private readonly Func<Task>? _dropDatabase;
    public string Name { get; }
    public Uri LeadsUrl => AllLeadsUrls[0];
    public IReadOnlyList<Uri> AllLeadsUrls { get; }
    public string ApiKey { get; }
    public ChildProcess? Process => _nodes.Count > 0 ? _nodes[0] : null;
    public BenchMeters? Meters { get; private init; }
    private bool LocalPostgres { get; init; }
    public double? DatabaseCpuSeconds() => LocalPostgres ? PostgresServerCpu.Seconds() : null;

    private LeadHubTarget(string name, IReadOnlyList<Uri> baseAddresses, string apiKey, IReadOnlyList<ChildProcess> nodes, string? tempDir,
        Func<Task>? dropDatabase = null)
    {
        Name = name;
        AllLeadsUrls = baseAddresses.Select(b => new Uri(b, "/api/v1/leads")).ToList();
        ApiKey = apiKey;
        _nodes = nodes;
        _tempDir = tempDir;
        _dropDatabase = dropDatabase;
    }

    public static async Task<LeadHubTarget> StartAsync(BenchOptions options, BuyerFleet fleet, BenchWorkspace workspace, TextWriter log,
        string name = "LeadHub")
    {
        var apiKey = RandomToken();
        if (options.Target is { } external)
        {
            var token = options.AdminToken ?? throw new ArgumentException("--target needs --admin-token");
            await ImportAsync(external, token, workspace.Document(fleet, options, apiKey));
            log.WriteLine($"LeadHub: external instance {external}");
            return new LeadHubTarget(name, [external], apiKey, [], null);
        }

        var dll = options.LeadHubDll
                  ?? (options.UseReadyToRun ? await ReadyToRunBuild.PublishAsync(log) : Path.Combine(AppContext.BaseDirectory, "LeadHub.Web.dll"));
        var dir = Directory.CreateTempSubdirectory("leadhub-bench-").FullName;
        var nodes = new List<ChildProcess>();
        Func<Task>? drop = null;
        try
        {
            // The repository's own appsettings.json (copied next to the bench at build time), so
            // LeadHub runs with its shipped logging levels; the rest comes from the environment.
            var settings = Path.Combine(AppContext.BaseDirectory, "leadhub.appsettings.json");
            if (File.Exists(settings)) File.Copy(settings, Path.Combine(dir, "appsettings.json"));
            var adminToken = RandomToken();
            var metricsToken = RandomToken();
            var env = new Dictionary<string, string>
            {
                // Metrics on, as an operator would run it: the bench reads LeadHub's own figures too.
                ["LeadHub__Metrics__Enabled"] = "true",
                ["LeadHub__Metrics__Token"] = metricsToken,
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["ConnectionStrings__LeadHub"] = $"Data Source={Path.Combine(dir, "leadhub.db")}",
                ["LeadHub__AdminApiToken"] = adminToken,
                ["LeadHub__Demo"] = "false",
                // Same levels as the root appsettings.json, in case it was not found.
                ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
                ["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Warning",
                ["Logging__LogLevel__System.Net.Http.HttpClient"] = "Warning",
            };
            var where = $"SQLite in {dir}";
            if (options.Postgres is { } server)
            {
                var (connectionString, dropIt) = await CreatePostgresDatabaseAsync(server);
                drop = dropIt;
                env["LeadHub__Database__Provider"] = "Postgres";
                env["ConnectionStrings__LeadHub"] = connectionString;
                where = $"PostgreSQL database {new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database}";
            }
            // Configuration as code, as a deployment would have it: the workspace is there when the
            // node starts, so its warm-up (LeadHub:WarmUpSeconds) runs the bench's own contracts
            // before /health/ready, and the cold window measures what a restarted node serves.
            var workspaceFile = Path.Combine(dir, "workspace.json");
            await File.WriteAllTextAsync(workspaceFile, JsonSerializer.Serialize(workspace.Document(fleet, options, apiKey), WorkspaceJson.Options));
            env["LeadHub__WorkspaceFile"] = workspaceFile;
            foreach (var (key, value) in options.NodeEnvironment) env[key] = value;
            if (options.NodeWarmUpSeconds is { } warmUp) env["LeadHub__WarmUpSeconds"] = warmUp.ToString(System.Globalization.CultureInfo.InvariantCulture);
            // One after another: the first node applies the migrations.
            for (var i = 0; i < options.Nodes; i++)
                nodes.Add(await ChildProcess.StartAsync(dll, [], env, dir, "/health/ready", TimeSpan.FromSeconds(180)));
            foreach (var node in nodes)
                log.WriteLine($"{name}: {dll} as pid {node.Id} on {node.BaseAddress} (Production, {where})");
            return new LeadHubTarget(name, nodes.Select(n => n.BaseAddress).ToList(), apiKey, nodes, dir, drop)
            {
                Meters = new BenchMeters(new Uri(nodes[0].BaseAddress, "/metrics"), metricsToken),
                LocalPostgres = options.Postgres is { } pg && PostgresServerCpu.IsLocal(pg),
            };
        }
        catch
        {
            foreach (var node in nodes) node.Dispose();
            if (drop is not null) await drop();
            TryDelete(dir);
            throw;
        }
    }

    internal static async Task<(string ConnectionString, Func<Task> Drop)> CreatePostgresDatabaseAsync(string server)
    {
        var name = "leadhub_bench_" + RandomToken()[..8];
        await using (var admin = new Npgsql.NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        return (connectionString, async () =>
        {
            await using var admin = new Npgsql.NpgsqlConnection(server);
            await admin.OpenAsync();
            await using var dropIt = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
            await dropIt.ExecuteNonQueryAsync();
        });
    }

    private static async Task ImportAsync(Uri baseAddress, string adminToken, WorkspaceDocument document)
    {
        using var admin = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var response = await admin.PutAsJsonAsync("/api/v1/admin/workspace", document, WorkspaceJson.Options);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException(
                $"Workspace import failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    internal static string RandomToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    public void Dispose()
    {
        foreach (var node in _nodes) node.Dispose();
        _dropDatabase?.Invoke().GetAwaiter().GetResult();
        if (_tempDir is not null) TryDelete(_tempDir);
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

// The bench's workspace: one campaign, one publisher without a rate limit, one ping-post
// contract per fleet buyer. The campaign key is new every run, so leads of an earlier run on an
// external instance are never duplicates of this run's.
public sealed class BenchWorkspace
{
    public string CampaignKey { get; } = "bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    // The non-PII fields: the only ones a ping carries.
    public static readonly string[] PingFields = ["zip", "state", "age", "homeowner", "tcpa_consent"];

    public WorkspaceDocument Document(BuyerFleet fleet, BenchOptions options, string publisherApiKey) => new()
    {
        Campaigns =
        [
            new CampaignConfig
            {
                Key = CampaignKey, Name = "Bench " + CampaignKey, AuctionTimeoutMs = options.AuctionTimeoutMs,
                Floor = 0, MaxPostAttempts = 3,
                Fields =
                [
                    new() { Name = "first_name", Type = FieldTypes.String, Required = true, Pii = true },
                    new() { Name = "last_name", Type = FieldTypes.String, Pii = true },
                    new() { Name = "email", Type = FieldTypes.Email, Required = true, Pii = true },
                    new() { Name = "phone", Type = FieldTypes.Phone, Required = true, Pii = true },
                    new() { Name = "zip", Type = FieldTypes.Zip, Required = true },
                    new() { Name = "state", Type = FieldTypes.State, Required = true },
                    new() { Name = "age", Type = FieldTypes.Integer, Min = 18, Max = 120 },
                    new() { Name = "homeowner", Type = FieldTypes.Boolean },
                    new() { Name = "tcpa_consent", Type = FieldTypes.Boolean, Required = true, Values = [JsonSerializer.SerializeToElement(true)] },
                ],
            },
        ],
        Publishers =
        [
            new PublisherConfig
            {
                Key = "bench-pub", Name = "Bench publisher", ApiKey = publisherApiKey, Campaigns = [CampaignKey],
                Payout = new PayoutConfig { Model = PayoutModels.Revshare, Percent = 70 }, RateLimitPerSecond = null,
            },
        ],
        Buyers = Enumerable.Range(0, fleet.Count).Select(i => new BuyerConfig
        {
            Key = $"bench-b{i}", Name = $"Bench buyer {i}",
            Contracts =
            [
                new ContractConfig
                {
                    Key = $"bench-b{i}-c", Campaign = CampaignKey, Mode = ContractModes.PingPost, Tier = 0,
                    PingUrl = fleet.PingUrl(i), PostUrl = fleet.PostUrl(i), TimeoutMs = options.ContractTimeoutMs,
                    // Past saturation pings time out through LeadHub's own queueing, not the buyers';
                    // an open circuit would then skip buyers and make overloaded leads look cheap.
                    BreakAfterFailures = 0,
                },
            ],
        }).ToList(),
    };
}
