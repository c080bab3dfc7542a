using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Leads;

// A real crash: the app runs as its own process, is killed while a buyer holds the ping, and
// the next start finishes the lead that was stored but never routed to the end.
public sealed class CrashRecoveryTests : IAsyncLifetime
{
    private const string AdminToken = "crash-admin-token-0123456789";
    private const string PublisherKey = "crash-publisher-key-0123456789";
    private readonly string _dir = Directory.CreateTempSubdirectory("leadhub-crash-").FullName;
    private LoopbackBuyers _buyers = null!;
    private readonly TaskCompletionSource _pinged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // The app processes' database: SQLite by default, PostgreSQL in the PostgreSQL suite.
    private readonly TestDatabase _db = TestDatabase.CreateDefault();

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync()
    {
        await _buyers.DisposeAsync();
        await _db.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Lead_left_mid_auction_by_a_crash_is_routed_again_on_start()
    {
        var lead = await CrashMidAuctionAsync();

        _buyers.Set("crashy", new BuyerBehaviour { Ping = BuyerAnswer.Bid(15), Post = BuyerAnswer.Accept() });
        using var app = StartApp(rerouteWithinSeconds: 600);
        var recovered = await WaitForFinalStateAsync(app, lead);

        Assert.Equal("sold", recovered.GetProperty("status").GetString());
        Assert.Equal(15m, recovered.GetProperty("price").GetDecimal());
        var note = recovered.GetProperty("trace").EnumerateArray().First(s => s.GetProperty("kind").GetString() == "note");
        Assert.Contains("recovered after restart", note.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Lead_too_old_to_route_after_a_crash_is_closed_unsold_with_a_reason()
    {
        var lead = await CrashMidAuctionAsync();

        using var app = StartApp(rerouteWithinSeconds: 0);
        var recovered = await WaitForFinalStateAsync(app, lead);

        Assert.Equal("unsold", recovered.GetProperty("status").GetString());
        Assert.Contains(recovered.GetProperty("trace").EnumerateArray(),
            s => s.GetProperty("reason").GetString() == "recovered after restart; too old to route again");
        Assert.Single(_buyers.CallsTo("crashy", "ping")); // nobody was asked again
    }

    private async Task<string> CrashMidAuctionAsync()
    {
        // The buyer takes the ping and never answers: the auction is in flight when the process dies.
        _buyers.Set("crashy", new BuyerBehaviour { Ping = BuyerAnswer.Bid(15, delayMs: 60_000), Post = BuyerAnswer.Accept() });
        File.WriteAllText(WorkspacePath, JsonSerializer.Serialize(new WorkspaceDocument
        {
            Campaigns = [TestWorkspace.Campaign("crash-auto", auctionTimeoutMs: 30_000)],
            Publishers = [TestWorkspace.Publisher("crash-pub", PublisherKey, "crash-auto")],
            Buyers = [TestWorkspace.Buyer("crashy",
                TestWorkspace.PingPost("crashy-c", "crash-auto", _buyers.PingUrl("crashy"), _buyers.PostUrl("crashy"), timeoutMs: 30_000))],
        }, WorkspaceJson.Options));

        using var app = StartApp(rerouteWithinSeconds: 600);
        using var publisher = new HttpClient { BaseAddress = app.BaseAddress };
        publisher.DefaultRequestHeaders.Add("X-Api-Key", PublisherKey);
        var posting = publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead("crash-auto"));

        await WaitUntilAsync(() => Task.FromResult(_buyers.CallsTo("crashy", "ping").Count == 1));
        // Pings leave while the lead is being stored: wait for the stored lead too.
        JsonElement routing = default;
        await WaitUntilAsync(async () =>
            (routing = await AdminGetAsync(app, "/api/v1/admin/leads?status=routing")).GetProperty("items").GetArrayLength() == 1);
        var leadId = routing.GetProperty("items").EnumerateArray().Single().GetProperty("leadId").GetString()!;

        app.Kill();
        await Assert.ThrowsAnyAsync<Exception>(() => posting);
        return leadId;
    }

    private async Task<JsonElement> WaitForFinalStateAsync(AppProcess app, string leadId)
    {
        JsonElement lead = default;
        await WaitUntilAsync(async () =>
        {
            lead = await AdminGetAsync(app, $"/api/v1/admin/leads/{leadId}");
            return lead.GetProperty("status").GetString() != "routing";
        });
        return lead;
    }

    private string WorkspacePath => Path.Combine(_dir, "workspace.json");

    private AppProcess StartApp(int rerouteWithinSeconds) => AppProcess.Start(_db, AdminToken, WorkspacePath, new Dictionary<string, string>
    {
        ["LeadHub__Recovery__RerouteWithinSeconds"] = rerouteWithinSeconds.ToString(),
    });

    private static async Task<JsonElement> AdminGetAsync(AppProcess app, string path)
    {
        using var admin = new HttpClient { BaseAddress = app.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return await admin.GetFromJsonAsync<JsonElement>(path);
    }

    // Polls observable state of another process; bounded so a broken app fails the test.
    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("condition not met in 60 s");
            await Task.Delay(50);
        }
    }
}

// LeadHub.Web started as a child process from the test's output folder, ready when /health/ready answers.
public sealed class AppProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();
    public Uri BaseAddress { get; }

    // What the process wrote to stdout and stderr so far, line by line.
    public IReadOnlyCollection<string> Output => _output;

    private AppProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    // A node in the Testing environment on `database`, with an admin token and its workspace imported
    // from a file at start; `more` adds or overrides settings (as LeadHub__Section__Key variables).
    public static AppProcess Start(TestDatabase database, string adminToken, string workspaceFile, IReadOnlyDictionary<string, string>? more = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["LeadHub__Database__Provider"] = database.Provider,
            ["ConnectionStrings__LeadHub"] = database.ConnectionString,
            ["LeadHub__AdminApiToken"] = adminToken,
            ["LeadHub__WorkspaceFile"] = workspaceFile,
        };
        foreach (var (k, v) in more ?? new Dictionary<string, string>()) environment[k] = v;
        return Start(environment);
    }

    private static AppProcess Start(IReadOnlyDictionary<string, string> environment)
    {
        var port = LeadHub.Bench.ChildProcess.FreePort();
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "LeadHub.Web.dll"), "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Crash tests count leads and posts, not speed: no warm-up before ready unless a test asks.
        info.Environment["LeadHub__WarmUpSeconds"] = "0";
        foreach (var (k, v) in environment) info.Environment[k] = v;
        var process = Process.Start(info)!;
        var app = new AppProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) app._output.Enqueue(line); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) app._output.Enqueue(line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        app.WaitUntilReady();
        return app;
    }

    private void WaitUntilReady()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                // Waits for the last of its output to be read too.
                _process.WaitForExit();
                throw new InvalidOperationException($"LeadHub exited with {_process.ExitCode}:\n{string.Join("\n", _output.TakeLast(40))}");
            }
            try
            {
                if (http.GetAsync("/health/ready").GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            Thread.Sleep(50);
        }
        throw new TimeoutException("LeadHub did not become ready in 60 s");
    }

    // SIGKILL: no graceful shutdown, exactly like a crash or an OOM kill.
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    // For a process that ends itself (a crash point): true once it has.
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}
