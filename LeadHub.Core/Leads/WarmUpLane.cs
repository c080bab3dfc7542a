using LeadHub.Core.Delivery;
using LeadHub.Core.Routing;
using LeadHub.Core.Security;
using LeadHub.Core.Storage;
using LeadHub.Core.Suppression;
using LeadHub.Core.Workspace;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LeadHub.Core.Leads;

// The warm-up's own publisher and everything behind it, so a starting node can take leads through
// its real intake (and, over loopback, its real publisher endpoint) before it is ready, without
// touching anything real: a LeadIntake of its own over a throw-away SQLite file, a workspace copy
// whose every contract points at the warm-up's loopback buyer, throw-away caps and health, and a
// publisher whose API key is made up for this process and lives only in memory. A request only
// reaches this lane by presenting that key while the warm-up runs (LeadsApi); afterwards the key
// is known nowhere and would be a 401. Deleted, file and all, when the warm-up ends.
public sealed class WarmUpLane : IAsyncDisposable
{
    private readonly LeadWriter _writer;
    private readonly string _file;
    private readonly string _connectionString;

    public RoutingSnapshotHolder Snapshots { get; }
    public LeadIntake Intake { get; }
    public PublisherSnapshot Publisher { get; }

    // The made-up key, for the warm-up's own requests only.
    public string ApiKey { get; }

    private WarmUpLane(LeadWriter writer, string file, string connectionString, RoutingSnapshotHolder snapshots, LeadIntake intake,
        PublisherSnapshot publisher, string apiKey)
    {
        (_writer, _file, _connectionString) = (writer, file, connectionString);
        (Snapshots, Intake, Publisher, ApiKey) = (snapshots, intake, publisher, apiKey);
    }

    // True only for this lane's key, compared in constant time like every publisher key.
    public bool Accepts(string? presentedKey) =>
        presentedKey is { Length: > 0 and <= 512 } && ApiKeys.Matches(presentedKey, Publisher.ApiKeyHash!);

    public static async Task<WarmUpLane> OpenAsync(RoutingSnapshot real, string buyerUrl, IBuyerTransport transport, SuppressionLists suppression,
        TimeProvider time, IHostEnvironment env, IHostApplicationLifetime lifetime, ILoggerFactory loggers, CancellationToken ct)
    {
        var snapshots = new RoutingSnapshotHolder();
        var apiKey = ApiKeys.NewKey();
        snapshots.Swap(Rehearsal(real, buyerUrl, apiKey));
        var publisher = snapshots.Current.Publishers[PublisherKey];

        RemoveLeftovers(Path.GetTempPath(), time.GetUtcNow());
        var file = Path.Combine(Path.GetTempPath(), $"{FilePrefix}{Guid.NewGuid():N}.db");
        var connectionString = new SqliteConnectionStringBuilder { DataSource = file, Pooling = true }.ToString();
        var config = new ConfigurationBuilder().AddInMemoryCollection([new("ConnectionStrings:LeadHub", connectionString)]).Build();
        var db = new LeadHubDbFactory(Options.Create(new LeadHubOptions()), config, env, NullLoggerFactory.Instance);
        await using (var context = db.CreateDbContext())
            await context.Database.EnsureCreatedAsync(ct);

        // No crash point is armed here (an empty configuration): the crash suite's points are for real leads.
        var crash = new CrashPoints(config, env);
        var writer = new LeadWriter(db, crash, new SqliteCheckpoints(db, time, loggers.CreateLogger<SqliteCheckpoints>()), loggers.CreateLogger<LeadWriter>());
        await writer.StartAsync(ct);
        var auction = new Auction(transport, new InMemoryCapLedger(), new RecentRejects(), new BuyerHealth(time), time,
            new PostJournal(writer, crash, time));
        var intake = new LeadIntake(snapshots, writer, auction, new Settle(writer, snapshots, crash, time), db, new NodeIdentity(), time,
            lifetime, crash, suppression, loggers.CreateLogger<LeadIntake>());
        return new WarmUpLane(writer, file, connectionString, snapshots, intake, publisher, apiKey);
    }

    private const string FilePrefix = "leadhub-warm-up-";

    // A node killed while warming up leaves its lane's file behind; the next start removes those
    // older than an hour (a younger one may be another node's on this machine, warming now).
    internal static void RemoveLeftovers(string folder, DateTimeOffset now)
    {
        foreach (var file in Directory.EnumerateFiles(folder, FilePrefix + "*"))
        {
            try
            {
                if (now - new DateTimeOffset(File.GetLastWriteTimeUtc(file)) > TimeSpan.FromHours(1)) File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    // Not a key a workspace can hold (keys are slugs), so it never shares a rate-limit partition with a real publisher.
    public const string PublisherKey = "warm-up lane";

    // The workspace as the warm-up routes it: every campaign on, every contract of every buyer at the
    // loopback buyer with no filter, schedule or cap, and no dedupe window (the sample leads repeat).
    private static RoutingSnapshot Rehearsal(RoutingSnapshot real, string buyerUrl, string apiKey)
    {
        var doc = new WorkspaceDocument
        {
            Campaigns = real.Campaigns.Values.Select(c => c.Config with { Active = true, DedupeWindowDays = 0 }).ToList(),
            Buyers = real.Buyers.Values.Select(b => b.Config with
            {
                Active = true, Caps = null, Paused = null,
                Contracts = b.Config.Contracts.Select(c => c with
                {
                    Active = true, Sandbox = false, Filters = [], Schedule = null, Caps = null,
                    PingUrl = buyerUrl, PostUrl = buyerUrl, TimeoutMs = 1000, PostTimeoutMs = 1000,
                }).ToList(),
            }).ToList(),
            Publishers =
            [
                new PublisherConfig
                {
                    Key = PublisherKey, Name = PublisherKey, Campaigns = real.Campaigns.Keys.ToList(),
                    // A limit, so the limiter's own path runs; far above what the warm-up sends.
                    RateLimitPerSecond = 1000,
                },
            ],
        };
        return new RoutingSnapshot(doc, new Dictionary<string, string> { [PublisherKey] = ApiKeys.Hash(apiKey) }, new Dictionary<string, string>(), 1);
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.StopAsync(CancellationToken.None);
        _writer.Dispose();
        await using (var connection = new SqliteConnection(_connectionString)) SqliteConnection.ClearPool(connection);
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            try { File.Delete(_file + suffix); }
            catch (IOException) { }
        }
    }
}
