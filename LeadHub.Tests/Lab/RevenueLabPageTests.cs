using Bunit;
using LeadHub.Core.Lab;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Portal;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Lab;
using LeadHub.Web.Jobs;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Lab;

// The Revenue lab page against the real services of a host (real SQLite). Test hosts run no job
// server, so a test runs the queued replay itself, as the job would, and watches the page follow it.
public sealed class RevenueLabPageTests(RevenueLabPageTests.LabPageHost host) : PortalTestContext(host), IClassFixture<RevenueLabPageTests.LabPageHost>
{
    // The host with a queue that records what the page asked the job server to run.
    public sealed class LabPageHost : LeadHubFactory
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(s => s.AddSingleton<LabReplayQueue, RecordingQueue>());
        }
    }

    public sealed class RecordingQueue() : LabReplayQueue(null!)
    {
        public readonly System.Collections.Concurrent.ConcurrentQueue<Guid> Queued = new();
        public override void Enqueue(Guid id) => Queued.Enqueue(id);
    }

    private RecordingQueue Queue => (RecordingQueue)Host.Services.GetRequiredService<LabReplayQueue>();

    private LabReplays Replays => Host.Services.GetRequiredService<LabReplays>();

    // "0lab-…" sorts first, so it is the campaign the page picks.
    private async Task<CampaignConfig> CampaignAsync()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("0lab"));
        await Host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Buyers = [TestWorkspace.Buyer(TestWorkspace.Unique("lab-buyer"), TestWorkspace.PingPost(TestWorkspace.Unique("lab-c"), campaign.Key,
                "http://127.0.0.1:9/ping", "http://127.0.0.1:9/post"))],
        });
        return campaign;
    }

    [Fact]
    public async Task A_manager_runs_a_replay_sees_its_progress_then_recorded_and_plan_side_by_side_with_the_unknowns()
    {
        var campaign = await CampaignAsync();
        for (var i = 0; i < 3; i++) await StoredLeads.AddAsync(Host, campaign.Key, DateTimeOffset.UtcNow.AddHours(-2 - i));
        var cut = RenderPage<RevenueLab>();
        cut.Pick("lab-campaign", campaign.Key);

        cut.Find("#lab-run").Click();

        cut.WaitForAssertion(() => Assert.Contains("Queued", cut.Find("#lab-state").TextContent));
        var queued = (await Replays.ListAsync()).First(r => r.Campaign == campaign.Key);
        Assert.Equal(LabReplayStates.Queued, queued.State);
        Assert.Equal(RoutingStrategies.Waterfall, queued.Plan.Strategy);
        Assert.Equal("manager@leadhub.test", queued.CreatedBy);
        Assert.Contains(queued.Id, Queue.Queued);

        await Replays.RunAsync(queued.Id);

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Done: 3 leads replayed", cut.Find("#lab-state").TextContent);
            Assert.Contains("$30.00", cut.Find("#lab-row-revenue").TextContent);
        });
        // The stored leads have no trace: the buyer was never pinged for them, and the page says so.
        Assert.Contains("3 ping(s) on 3 lead(s)", cut.Find("#lab-unknowns").TextContent);
        Assert.Contains(cut.FindAll("#lab-caveats li"), li => li.TextContent.Contains("no bid is known"));
        Assert.Contains("Not enough data yet", cut.Find("#lab-not-enough").TextContent);
        Assert.Contains("not enough data yet", cut.Find("#lab-verdict").TextContent);
        Assert.Contains(cut.FindAll(".lab-history-row"), row => row.TextContent.Contains(campaign.Key));
    }

    [Fact]
    public async Task A_plan_with_fifty_post_attempts_is_refused_on_the_page_and_nothing_is_queued()
    {
        var campaign = await CampaignAsync();
        var before = (await Replays.ListAsync()).Count;
        var queuedBefore = Queue.Queued.Count;
        var cut = RenderPage<RevenueLab>();
        cut.Pick("lab-campaign", campaign.Key);

        cut.Find("input#lab-plan-attempts").Change("50");
        cut.Find("#lab-run").Click();

        cut.WaitForAssertion(() => Assert.Contains("plan.maxPostAttempts: must be between 1 and 20", cut.Find("#lab-problems").TextContent));
        Assert.Empty(cut.FindAll("#lab-current"));
        Assert.Equal(before, (await Replays.ListAsync()).Count);
        Assert.DoesNotContain(await Replays.ListAsync(), r => r.Campaign == campaign.Key);
        Assert.Equal(queuedBefore, Queue.Queued.Count);
    }

    [Fact]
    public async Task A_range_longer_than_93_days_is_refused_on_the_page()
    {
        var campaign = await CampaignAsync();
        var before = (await Replays.ListAsync()).Count;
        var cut = RenderPage<RevenueLab>();
        cut.Pick("lab-campaign", campaign.Key);

        cut.Find("#preset-custom").Click();
        cut.Find("input#lab-range-from").Change("2026-01-01T00:00");
        cut.Find("input#lab-range-to").Change("2026-11-01T00:00");
        cut.Find("#lab-run").Click();

        cut.WaitForAssertion(() => Assert.Contains("to: the range must be at most 93 days", cut.Find("#lab-problems").TextContent));
        Assert.Equal(before, (await Replays.ListAsync()).Count);
    }

    [Fact]
    public async Task A_plan_removing_a_contract_the_campaign_does_not_have_is_refused_on_the_page()
    {
        var campaign = await CampaignAsync();
        var before = (await Replays.ListAsync()).Count;
        var cut = RenderPage<RevenueLab>();
        cut.Pick("lab-campaign", campaign.Key);

        cut.AddChip("lab-plan-remove-contracts", "ghost");
        cut.Find("#lab-run").Click();

        cut.WaitForAssertion(() => Assert.Contains($"plan.removeContracts[0]: There is no contract 'ghost'",
            cut.Find("#lab-problems").TextContent));
        Assert.Equal(before, (await Replays.ListAsync()).Count);
    }

    [Fact]
    public async Task A_viewer_reads_past_replays_but_cannot_start_one()
    {
        var campaign = await CampaignAsync();
        var (row, _) = await Replays.CreateAsync(new ReplayRequest(campaign.Key, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow, null), "someone");
        await Replays.RunAsync(row!.Id);
        SignInAs(Roles.Viewer);

        var cut = RenderPage<RevenueLab>();

        Assert.Empty(cut.FindAll("#lab-run"));
        Assert.Contains("a manager starts new ones", cut.Find("#lab-viewer-note").TextContent);
        // The list of past replays loads after the first render: slower on PostgreSQL than on SQLite.
        cut.WaitForElement($"#lab-open-{row.Id:N}", PortalKit.Wait).Click();
        cut.WaitForAssertion(() => Assert.Contains("Done: 0 leads replayed", cut.Find("#lab-state").TextContent));
    }
}
