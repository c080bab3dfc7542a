using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Api;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Lab;

// README "Revenue lab → Replay" through the real host: leads routed live by real loopback buyers into
// a real database (SQLite, or PostgreSQL with LEADHUB_TEST_PROVIDER=Postgres), then a replay started
// over HTTP and run by the host's own Hangfire server, its progress polled to the end.
// Alone: Hangfire keeps its logging in static state, and a host of a parallel test disposed while this
// host's job server runs would break it (STACK.md "Hangfire's GlobalConfiguration is static").
[CollectionDefinition(nameof(ReplayApiTests), DisableParallelization = true)]
public sealed class ReplayApiCollection;

[Collection(nameof(ReplayApiTests))]
public sealed class ReplayApiTests(ReplayApiTests.JobHost host) : IClassFixture<ReplayApiTests.JobHost>, IAsyncLifetime
{
    public sealed class JobHost : LeadHubFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => [new("LeadHub:Jobs:RunServer", "true")];
    }

    private LoopbackBuyers _buyers = null!;

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync() => await _buyers.DisposeAsync();

    private async Task<(CampaignConfig Campaign, string Picky, string Steady)> SeedAsync(int leads)
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("lab"), auctionTimeoutMs: 3000);
        var (picky, steady) = (TestWorkspace.Unique("picky"), TestWorkspace.Unique("steady"));
        _buyers.Set(picky, new BuyerBehaviour { Ping = BuyerAnswer.Bid(15m), Post = BuyerAnswer.Reject("already has this consumer") });
        _buyers.Set(steady, new BuyerBehaviour { Ping = BuyerAnswer.Bid(10m), Post = BuyerAnswer.Accept() });
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers =
            [
                TestWorkspace.Buyer(picky, TestWorkspace.PingPost(picky + "-c", campaign.Key, _buyers.PingUrl(picky), _buyers.PostUrl(picky), timeoutMs: 1500)),
                TestWorkspace.Buyer(steady, TestWorkspace.PingPost(steady + "-c", campaign.Key, _buyers.PingUrl(steady), _buyers.PostUrl(steady), timeoutMs: 1500)),
            ],
        });
        using var publisher = host.Publisher(apiKey);
        for (var i = 0; i < leads; i++)
        {
            var answer = await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign.Key)));
            Assert.Equal("sold", answer.GetProperty("status").GetString());
        }
        return (campaign, picky + "-c", steady + "-c");
    }

    [Fact]
    public async Task A_replay_started_over_the_API_reports_progress_and_shows_the_plan_without_the_rejecting_buyer_beside_what_happened()
    {
        var (campaign, picky, _) = await SeedAsync(12);
        using var admin = host.Admin();
        var now = DateTimeOffset.UtcNow;

        var started = await admin.PostAsJsonAsync("/api/v1/admin/lab/replays", new
        {
            campaign = campaign.Key, from = now.AddHours(-1), to = now.AddHours(1), plan = new { removeContracts = new[] { picky } },
        });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var location = started.Headers.Location!.ToString();
        Assert.StartsWith("/api/v1/admin/lab/replays/", location);

        // Polled until the host's job server has run it (a condition, not a sleep of a guessed length).
        JsonElement replay = default;
        var guard = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < guard)
        {
            replay = await ApiAssert.OkJsonAsync(await admin.GetAsync(location));
            var state = replay.GetProperty("state").GetString();
            Assert.NotEqual("failed", state);
            if (state == "done") break;
            await Task.Delay(100);
        }
        Assert.Equal("done", replay.GetProperty("state").GetString());
        Assert.Equal((12, 12), (replay.GetProperty("done").GetInt32(), replay.GetProperty("total").GetInt32()));

        var result = replay.GetProperty("result");
        var recorded = result.GetProperty("recorded");
        var plan = result.GetProperty("plan");
        // Live: the picky buyer outbid and rejected every lead, the steady one bought each at 10.
        Assert.Equal((12, 120m, 24, 12), (recorded.GetProperty("leads").GetInt32(), recorded.GetProperty("revenue").GetDecimal(),
            recorded.GetProperty("posts").GetInt32(), recorded.GetProperty("rejectedPosts").GetInt32()));
        // Without it: the same revenue, one post a lead, no rejects.
        Assert.Equal((12, 120m, 12, 0), (plan.GetProperty("leads").GetInt32(), plan.GetProperty("revenue").GetDecimal(),
            plan.GetProperty("posts").GetInt32(), plan.GetProperty("rejectedPosts").GetInt32()));
        Assert.Equal(0, result.GetProperty("leadsSoldDifferently").GetInt32());
        Assert.False(result.GetProperty("enoughData").GetBoolean());
        Assert.Equal(0, result.GetProperty("unknowns").GetProperty("unknownPosts").GetInt32());
        Assert.NotEmpty(result.GetProperty("caveats").EnumerateArray());

        var list = await ApiAssert.OkJsonAsync(await admin.GetAsync("/api/v1/admin/lab/replays"));
        Assert.Contains(list.EnumerateArray(), r => location.EndsWith(r.GetProperty("id").GetString()!));
    }

    public static TheoryData<string, string> BadRequests => new()
    {
        { """{"campaign":"no-such-campaign","from":"2026-11-01T00:00:00Z","to":"2026-11-02T00:00:00Z"}""", "campaign" },
        { """{"campaign":"{c}","from":"2026-11-02T00:00:00Z","to":"2026-11-01T00:00:00Z"}""", "to" },
        { """{"campaign":"{c}","from":"2026-01-01T00:00:00Z","to":"2026-11-01T00:00:00Z"}""", "to" },
        { """{"campaign":"{c}","from":"2026-11-01T00:00:00Z","to":"2026-11-02T00:00:00Z","plan":{"strategy":"zigzag"}}""", "plan.strategy" },
        { """{"campaign":"{c}","from":"2026-11-01T00:00:00Z","to":"2026-11-02T00:00:00Z","plan":{"ranking":"vibes"}}""", "plan.ranking" },
        { """{"campaign":"{c}","from":"2026-11-01T00:00:00Z","to":"2026-11-02T00:00:00Z","plan":{"floor":-1}}""", "plan.floor" },
        { """{"campaign":"{c}","from":"2026-11-01T00:00:00Z","to":"2026-11-02T00:00:00Z","plan":{"maxPostAttempts":0}}""", "plan.maxPostAttempts" },
        { """{"campaign":"{c}","from":"2026-11-01T00:00:00Z","to":"2026-11-02T00:00:00Z","plan":{"removeContracts":["ghost"]}}""", "plan.removeContracts[0]" },
        { """{"campaign":"{c}","from":"2026-11-01T00:00:00Z","to":"2026-11-02T00:00:00Z","plan":{"removeBuyers":["ghost"]}}""", "plan.removeBuyers[0]" },
        { """{"campaign":"{c}","from":"2026-11-01T00:00:00Z","to":"2026-11-02T00:00:00Z","plan":{"moveContracts":{"ghost":2}}}""", "plan.moveContracts.ghost" },
        { """{"campaign":"{c}"}""", "from" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_replay_request_is_refused_with_a_problem_naming_the_field_and_nothing_is_queued(string body, string field)
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("lab-bad"));
        await host.ImportAsync(new WorkspaceDocument { Campaigns = [campaign] });
        using var admin = host.Admin();
        var before = (await ApiAssert.OkJsonAsync(await admin.GetAsync("/api/v1/admin/lab/replays"))).GetArrayLength();

        var response = await admin.PostAsync("/api/v1/admin/lab/replays",
            new StringContent(body.Replace("{c}", campaign.Key), Encoding.UTF8, "application/json"));

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
        ApiAssert.Errors(problem, field);
        var after = (await ApiAssert.OkJsonAsync(await admin.GetAsync("/api/v1/admin/lab/replays"))).GetArrayLength();
        Assert.Equal(before, after);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"campaign":"x","from":"yesterday"}""")]
    [InlineData("[]")]
    [InlineData("null")]
    public async Task A_malformed_replay_request_is_a_problem_not_a_crash(string body)
    {
        using var admin = host.Admin();
        var response = await admin.PostAsync("/api/v1/admin/lab/replays", new StringContent(body, Encoding.UTF8, "application/json"));
        await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_lab_API_needs_the_admin_token_and_an_unknown_replay_is_404()
    {
        using var anonymous = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/admin/lab/replays")).StatusCode);
        using var admin = host.Admin();
        await ApiAssert.ProblemAsync(await admin.GetAsync($"/api/v1/admin/lab/replays/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
    }
}
