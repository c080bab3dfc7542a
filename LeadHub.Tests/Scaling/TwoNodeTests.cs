using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hangfire;
using Hangfire.Storage;
using LeadHub.Core.Leads;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace LeadHub.Tests.Scaling;

// Runs only where a PostgreSQL server is configured (test.sh starts one); skipped otherwise.
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (TestDatabase.PostgresServer is null) Skip = "LEADHUB_TEST_POSTGRES is not set (test.sh starts a PostgreSQL server)";
    }
}

// Two LeadHub nodes (two complete app hosts, each with its own memory, snapshot and writer) on one
// PostgreSQL database, as behind a load balancer: every promise must hold across them.
// Alone: a propagation time measured while a thousand other tests share the two cores says more
// about them than about LeadHub.
[CollectionDefinition(nameof(TwoNodeTests), DisableParallelization = true)]
public sealed class TwoNodeCollection;

[Collection(nameof(TwoNodeTests))]
public sealed class TwoNodeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private LeadHubFactory _a = null!, _b = null!;
    private LoopbackBuyers _buyers = null!;

    public async Task InitializeAsync()
    {
        _buyers = await LoopbackBuyers.StartAsync();
        if (TestDatabase.PostgresServer is null) return;
        _db = TestDatabase.CreatePostgres();
        _a = LeadHubFactory.On(_db);
        _b = LeadHubFactory.On(_db);
        // Start both nodes: the first applies the migrations, the second finds them applied.
        _ = _a.Services;
        _ = _b.Services;
    }

    public async Task DisposeAsync()
    {
        if (_a is not null) await _a.DisposeAsync();
        if (_b is not null) await _b.DisposeAsync();
        if (_db is not null) await _db.DisposeAsync();
        await _buyers.DisposeAsync();
    }

    // Imports on node A and waits until node B routes with the same configuration.
    private async Task<(string Campaign, string ApiKey)> SetUpAsync(params BuyerConfig[] buyers)
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("scale"), auctionTimeoutMs: 5000);
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        var reachedB = NextSwap(_b);
        await _a.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers = [.. buyers.Select(b => b with { Contracts = b.Contracts.Select(c => c with { Campaign = campaign.Key }).ToList() })],
        });
        await reachedB.WaitAsync(TimeSpan.FromSeconds(5));
        return (campaign.Key, apiKey);
    }

    private static Task<RoutingSnapshot> NextSwap(LeadHubFactory node)
    {
        var holder = node.Services.GetRequiredService<RoutingSnapshotHolder>();
        var swapped = new TaskCompletionSource<RoutingSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(RoutingSnapshot s)
        {
            swapped.TrySetResult(s);
            holder.Swapped -= Handler;
        }
        holder.Swapped += Handler;
        return swapped.Task;
    }

    private BuyerConfig CappedBuyer(string name, int daily)
    {
        _buyers.Set(name, new BuyerBehaviour { Ping = BuyerAnswer.Bid(20, delayMs: 20), Post = BuyerAnswer.Accept(delayMs: 20) });
        return TestWorkspace.Buyer(name,
            TestWorkspace.PingPost(name + "-c", "-", _buyers.PingUrl(name), _buyers.PostUrl(name), timeoutMs: 3000) with
            {
                Caps = new CapsConfig { Daily = daily },
            });
    }

    private static async Task<JsonElement> PostAsync(LeadHubFactory node, string apiKey, object lead, string? idempotencyKey = null)
    {
        using var client = node.Publisher(apiKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/leads") { Content = JsonContent.Create(lead) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string Status(JsonElement answer) => answer.GetProperty("status").GetString()!;

    [PostgresFact]
    public async Task Hundred_concurrent_leads_split_across_two_nodes_against_a_cap_of_5_sell_exactly_5()
    {
        var capped = TestWorkspace.Unique("capped");
        var (campaign, apiKey) = await SetUpAsync(CappedBuyer(capped, daily: 5));

        var answers = await Task.WhenAll(Enumerable.Range(0, 100)
            .Select(i => PostAsync(i % 2 == 0 ? _a : _b, apiKey, TestWorkspace.Lead(campaign))));

        Assert.Equal(5, answers.Count(a => Status(a) == "sold"));
        Assert.Equal(95, answers.Count(a => Status(a) == "unsold"));
        Assert.Equal(5, _buyers.CallsTo(capped, "post").Count);
        // Both nodes sold some of the 50 leads each got, from one shared counter.
        await using var db = await _a.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var counter = await db.CapCounters.AsNoTracking().SingleAsync(c => c.Key.StartsWith("buyer:" + capped) || c.Key.StartsWith("contract:" + capped));
        Assert.Equal(5, counter.Count);
        Assert.Equal(100, await db.Leads.CountAsync(l => l.CampaignKey == campaign));
    }

    [PostgresFact]
    public async Task A_daily_budget_holds_across_nodes()
    {
        var buyer = TestWorkspace.Unique("budget");
        var budgeted = CappedBuyer(buyer, daily: 1000);
        budgeted = budgeted with
        {
            Contracts = [budgeted.Contracts[0] with { Caps = new CapsConfig { Daily = 1000, DailyBudget = 50 } }],
        };
        var (campaign, apiKey) = await SetUpAsync(budgeted);

        var answers = await Task.WhenAll(Enumerable.Range(0, 30)
            .Select(i => PostAsync(i % 2 == 0 ? _a : _b, apiKey, TestWorkspace.Lead(campaign))));

        // Bids of 20 against a budget of 50: a third sale would overshoot it.
        Assert.Equal(2, answers.Count(a => Status(a) == "sold"));
        Assert.Equal(2, _buyers.CallsTo(buyer, "post").Count);
    }

    [PostgresFact]
    public async Task Idempotent_retries_sent_to_both_nodes_at_once_sell_once()
    {
        var buyer = TestWorkspace.Unique("idem");
        var (campaign, apiKey) = await SetUpAsync(CappedBuyer(buyer, daily: 1000));

        // Ten leads, each sent four times at once (twice to each node) with its own key.
        var leads = Enumerable.Range(0, 10).Select(_ => (Key: Guid.NewGuid().ToString("N"), Lead: TestWorkspace.Lead(campaign))).ToList();
        var answers = await Task.WhenAll(leads.SelectMany(l => new[] { _a, _b, _a, _b }
            .Select(async node => (l.Key, Answer: await PostAsync(node, apiKey, l.Lead, l.Key)))));

        foreach (var group in answers.GroupBy(a => a.Key))
        {
            Assert.Single(group.Select(a => a.Answer.GetProperty("leadId").GetString()).Distinct());
            Assert.All(group, a => Assert.Equal("sold", Status(a.Answer)));
        }
        Assert.Equal(10, _buyers.CallsTo(buyer, "post").Count);
        await using var db = await _b.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        Assert.Equal(10, await db.Leads.CountAsync(l => l.CampaignKey == campaign));
    }

    [PostgresFact]
    public async Task The_same_person_arriving_at_both_nodes_at_once_sells_once()
    {
        var buyer = TestWorkspace.Unique("dupe");
        var (campaign, apiKey) = await SetUpAsync(CappedBuyer(buyer, daily: 1000));
        // Twenty people, each sent four times at once (twice to each node), without Idempotency-Keys.
        var people = Enumerable.Range(0, 20)
            .Select(i => new { email = $"same.{i}.{Guid.NewGuid():N}@example.com", phone = $"+1 415 555 {i:0000}" }).ToList();

        var answers = await Task.WhenAll(people.SelectMany(p => new[] { _a, _b, _a, _b }
            .Select(async node => (p.email, Answer: await PostAsync(node, apiKey, TestWorkspace.Lead(campaign, p))))));

        foreach (var person in answers.GroupBy(a => a.email))
        {
            Assert.Equal(1, person.Count(a => Status(a.Answer) == "sold"));
            Assert.Equal(3, person.Count(a => Status(a.Answer) == "duplicate"));
        }
        Assert.Equal(20, _buyers.CallsTo(buyer, "post").Count);
    }

    [PostgresFact]
    public async Task A_contract_paused_on_one_node_stops_selling_on_the_other_within_a_second()
    {
        var buyer = TestWorkspace.Unique("pause");
        var (campaign, apiKey) = await SetUpAsync(CappedBuyer(buyer, daily: 1000));
        Assert.Equal("sold", Status(await PostAsync(_b, apiKey, TestWorkspace.Lead(campaign))));

        var reachedB = NextSwap(_b);
        var clock = Stopwatch.StartNew();
        Assert.True(await _a.Workspace().SetContractActiveAsync(buyer + "-c", active: false, "test"));
        await reachedB.WaitAsync(TimeSpan.FromSeconds(5));
        clock.Stop();

        output.WriteLine($"node B routed with the change {clock.ElapsedMilliseconds} ms after node A saved it");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"node B saw the change after {clock.ElapsedMilliseconds} ms");
        Assert.Equal("unsold", Status(await PostAsync(_b, apiKey, TestWorkspace.Lead(campaign))));
        Assert.Single(_buyers.CallsTo(buyer, "post"));
    }

    [PostgresFact]
    public async Task A_lead_sold_on_one_node_shows_on_the_other_nodes_admin_api_and_dashboard_figures()
    {
        var buyer = TestWorkspace.Unique("seen");
        var (campaign, apiKey) = await SetUpAsync(CappedBuyer(buyer, daily: 1000));
        var answer = await PostAsync(_a, apiKey, TestWorkspace.Lead(campaign));

        using var adminB = _b.Admin();
        var lead = await adminB.GetFromJsonAsync<JsonElement>($"/api/v1/admin/leads/{answer.GetProperty("leadId").GetString()}");
        Assert.Equal("sold", lead.GetProperty("status").GetString());
        Assert.Equal(buyer, lead.GetProperty("buyer").GetString());
        var kpis = await adminB.GetFromJsonAsync<JsonElement>($"/api/v1/admin/kpis?campaign={campaign}");
        Assert.Equal(20m, kpis.GetProperty("totals").GetProperty("revenue").GetDecimal());
    }

    [PostgresFact]
    public async Task Recovery_on_one_node_leaves_the_leads_another_live_node_is_routing()
    {
        var slow = TestWorkspace.Unique("slow");
        var (campaign, apiKey) = await SetUpAsync(CappedBuyer(slow, daily: 1000));
        var pinged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _buyers.Set(slow, new BuyerBehaviour
        {
            Ping = BuyerAnswer.Bid(20), Post = BuyerAnswer.Accept(),
            HoldPing = async () =>
            {
                pinged.TrySetResult();
                await release.Task;
            },
        });
        var posting = PostAsync(_a, apiKey, TestWorkspace.Lead(campaign));
        await pinged.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // Pings leave while the lead is being stored: wait until node A's lead is stored as routing.
        var factory = _b.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>();
        var stored = Stopwatch.StartNew();
        while (true)
        {
            await using var db = await factory.CreateDbContextAsync();
            if (await db.Leads.AnyAsync(l => l.CampaignKey == campaign && l.Status == LeadStatus.Routing)) break;
            Assert.True(stored.Elapsed < TimeSpan.FromSeconds(10), "the lead was never stored");
            await Task.Delay(20);
        }

        // Node A is routing the lead; node B looks for stuck leads as at its start-up.
        var taken = await _b.Services.GetRequiredService<LeadRecovery>().RecoverAsync(CancellationToken.None);
        release.SetResult();
        var answer = await posting;

        Assert.Equal(0, taken);
        Assert.Equal("sold", Status(answer));
        Assert.Single(_buyers.CallsTo(slow, "post"));
    }

    [PostgresFact]
    public async Task A_lead_left_routing_by_a_dead_node_is_finished_by_a_live_one()
    {
        var (campaign, _) = await SetUpAsync();
        var lead = new LeadRow
        {
            Id = Guid.CreateVersion7(), CampaignKey = campaign, PublisherKey = "gone", Status = LeadStatus.Routing,
            Owner = "a-node-that-stopped-beating", FieldsJson = "{}", ReceivedAt = DateTimeOffset.UtcNow.AddMinutes(-10),
        };
        var factory = _a.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            db.Nodes.Add(new NodeRow { Id = lead.Owner, Machine = "elsewhere", StartedAt = DateTimeOffset.UtcNow.AddHours(-1), SeenAt = DateTimeOffset.UtcNow.AddMinutes(-5) });
            db.Leads.Add(lead);
            await db.SaveChangesAsync();
        }

        Assert.Equal(1, await _b.Services.GetRequiredService<LeadRecovery>().RecoverAsync(CancellationToken.None));

        await using var check = await factory.CreateDbContextAsync();
        var finished = await check.Leads.AsNoTracking().SingleAsync(l => l.Id == lead.Id);
        Assert.Equal(LeadStatus.Unsold, finished.Status);
        Assert.Equal("recovered after restart; too old to route again", finished.Reason);
    }

    [PostgresFact]
    public async Task Recurring_jobs_are_stored_once_for_the_cluster_not_once_per_node()
    {
        using var a = _a.Services.GetRequiredService<JobStorage>().GetConnection();
        using var b = _b.Services.GetRequiredService<JobStorage>().GetConnection();

        var onA = a.GetRecurringJobs().Select(j => j.Id).Order().ToList();
        var onB = b.GetRecurringJobs().Select(j => j.Id).Order().ToList();

        Assert.Contains("housekeeping", onA);
        Assert.Equal(onA, onB);
        Assert.Equal(onA.Count, onA.Distinct().Count());
        // The storage is LeadHub's database: both nodes see one schedule in the hangfire schema.
        await using var db = await _a.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var stored = await db.Database.SqlQuery<int>($"SELECT COUNT(*)::int AS \"Value\" FROM hangfire.set WHERE key = 'recurring-jobs'").SingleAsync();
        Assert.Equal(onA.Count, stored);
    }
}
