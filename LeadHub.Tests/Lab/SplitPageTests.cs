using Bunit;
using LeadHub.Core.Lab;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Portal;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Lab;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Lab;

// The live split page (/campaigns/{key}/split): start a split, the A/B table, promote and stop
// behind a confirmation, and what a viewer may not do.
public sealed class SplitPageTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<(CampaignConfig Campaign, string Best, string Other)> SetUpAsync(SplitConfig? split = null)
    {
        var (best, other) = (TestWorkspace.Unique("best"), TestWorkspace.Unique("other"));
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("lab")) with { Split = split };
        ContractConfig Contract(string buyer) =>
            TestWorkspace.PingPost(buyer + "-c", campaign.Key, "https://buyer.example/ping", "https://buyer.example/post");
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Buyers = [TestWorkspace.Buyer(best, Contract(best)), TestWorkspace.Buyer(other, Contract(other))],
        }, "setup"));
        return (campaign, best, other);
    }

    private Task<CampaignConfig> StoredAsync(string key) =>
        Host.ExportAsync().ContinueWith(t => t.Result.Campaigns.Single(c => c.Key == key));

    // Finished leads of each arm, written as the lead writer would have: `sold` of them sold at `price`.
    private async Task AddLeadsAsync(string campaign, string split, string arm, int count, int sold, decimal price)
    {
        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        for (var i = 0; i < count; i++)
        {
            var isSold = i < sold;
            db.Leads.Add(new LeadRow
            {
                Id = Guid.CreateVersion7(), CampaignKey = campaign, PublisherKey = "pub-stored", Status = isSold ? LeadStatus.Sold : LeadStatus.Unsold,
                ReceivedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow, FieldsJson = "{}", Price = isSold ? price : null,
                Payout = isSold ? price * 0.7m : 0m, BuyerKey = isSold ? "b" : null, SplitId = split, SplitArm = arm,
            });
        }
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task A_manager_starts_a_split_with_a_share_and_a_plan_B_and_then_sees_the_A_B_table()
    {
        var (campaign, _, _) = await SetUpAsync();
        var cut = RenderPage<SplitPage>(("Key", campaign.Key));
        cut.WaitForAssertion(() => cut.Find("#split-form"));
        Assert.StartsWith(campaign.Key + "-", cut.Find("input#split-id").GetAttribute("value"));

        cut.Find("input#split-share").Change("20");
        cut.Find("input#split-id").Change("try-floor");
        cut.Find("input#split-plan-floor").Change("4.5");
        cut.Find("#split-start").Click();

        cut.WaitForAssertion(() => cut.Find("#split-table"), PortalKit.Wait);
        var split = (await StoredAsync(campaign.Key)).Split!;
        Assert.Equal(("try-floor", 0.20m, 4.5m), (split.Id, split.ShareB, split.PlanB.Floor));
        Assert.Contains("try-floor", cut.Find("#split-running-id").TextContent);
        Assert.Contains("floor 4.50", cut.Find("#split-plan-b").TextContent);
        Assert.Equal("not enough data yet: 200 more leads per arm needed", cut.Find("#split-summary").TextContent.Trim());
        Assert.Contains(await Host.AuditAsync(campaign.Key), a => a.Actor == PortalKit.Manager && a.After!.Contains("try-floor"));
    }

    [Fact]
    public async Task A_bad_share_is_refused_on_the_page_and_nothing_is_saved()
    {
        var (campaign, _, _) = await SetUpAsync();
        var cut = RenderPage<SplitPage>(("Key", campaign.Key));
        cut.WaitForAssertion(() => cut.Find("#split-form"));

        cut.Find("input#split-share").Change("100");
        cut.Find("input#split-id").Change("bad id!");
        cut.Find("#split-start").Click();

        cut.WaitForAssertion(() => Assert.Contains("between 0 and 1", cut.Find("#split-errors").TextContent), PortalKit.Wait);
        Assert.Contains("letters, digits", cut.Find("#split-errors").TextContent);
        Assert.Null((await StoredAsync(campaign.Key)).Split);
    }

    [Fact]
    public async Task The_table_shows_each_arms_figures_and_the_verdict_once_there_are_enough_leads()
    {
        var split = new SplitConfig { Id = TestWorkspace.Unique("exp"), ShareB = 0.5m, PlanB = new RoutingPlan { Floor = 3m } };
        var (campaign, _, _) = await SetUpAsync(split);
        await AddLeadsAsync(campaign.Key, split.Id, SplitArms.A, 300, 150, 10m);
        await AddLeadsAsync(campaign.Key, split.Id, SplitArms.B, 300, 240, 10m);

        var cut = RenderPage<SplitPage>(("Key", campaign.Key));

        cut.WaitForAssertion(() => cut.Find("#split-table"));
        Assert.Contains("300", cut.Find("#split-row-leads").TextContent);
        Assert.Contains("$1,500.00", cut.Find("#split-row-revenue").TextContent);
        Assert.Contains("$2,400.00", cut.Find("#split-row-revenue").TextContent);
        Assert.Contains("50.0 %", cut.Find("#split-row-sell-through").TextContent);
        Assert.Contains("80.0 %", cut.Find("#split-row-sell-through").TextContent);
        // RPL 5.00 against 8.00: the same figures through the same test as the read model.
        var expected = Significance.CompareMeans(Sample.Of(Enumerable.Repeat(10m, 150).Concat(Enumerable.Repeat(0m, 150))),
            Sample.Of(Enumerable.Repeat(10m, 240).Concat(Enumerable.Repeat(0m, 60))));
        Assert.True(expected.Significant);
        Assert.StartsWith("B earns $3.00 more per lead (95 % CI", cut.Find("#split-summary").TextContent.Trim());
        Assert.Equal(SplitQueries.Summary(expected, null), cut.Find("#split-summary").TextContent.Trim());

        // New leads show on Refresh (the page also refreshes itself every few seconds).
        await AddLeadsAsync(campaign.Key, split.Id, SplitArms.B, 100, 0, 10m);
        cut.Find("#split-refresh").Click();
        cut.WaitForAssertion(() => Assert.Contains("400", cut.Find("#split-row-leads").TextContent));
        Assert.Contains("60.0 %", cut.Find("#split-row-sell-through").TextContent);
    }

    [Fact]
    public async Task Promote_after_confirmation_makes_plan_B_the_campaign_and_pauses_the_buyer_it_left_out()
    {
        var split = new SplitConfig { Id = TestWorkspace.Unique("exp"), ShareB = 0.1m, PlanB = new RoutingPlan { Floor = 3m } };
        var (campaign, best, _) = await SetUpAsync(split);
        await Host.Workspace().ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign with { Split = split with { PlanB = new RoutingPlan { Floor = 3m, RemoveBuyers = [best] } } }],
        }, "setup");
        var cut = RenderPage<SplitPage>(("Key", campaign.Key));
        cut.WaitForAssertion(() => cut.Find("#split-promote"));

        cut.Find("#split-promote").Click();
        cut.Confirm("Promote B");

        cut.WaitForAssertion(() => cut.Find("#split-form"), PortalKit.Wait);
        var stored = await StoredAsync(campaign.Key);
        Assert.Null(stored.Split);
        Assert.Equal(3m, stored.Floor);
        var paused = (await Host.ExportAsync()).Buyers.Single(b => b.Key == best).Contracts.Single();
        Assert.False(paused.Active);
        Assert.Equal(PortalKit.Manager, paused.Paused!.By);
        Assert.Contains(await Host.AuditAsync(best + "-c"), a => a.Actor == PortalKit.Manager && a.Action == "update");
    }

    [Fact]
    public async Task Stop_after_confirmation_removes_the_split_and_cancel_keeps_it()
    {
        var split = new SplitConfig { Id = TestWorkspace.Unique("exp"), ShareB = 0.1m, PlanB = new RoutingPlan { Floor = 3m } };
        var (campaign, _, _) = await SetUpAsync(split);
        var cut = RenderPage<SplitPage>(("Key", campaign.Key));
        cut.WaitForAssertion(() => cut.Find("#split-stop"));

        cut.Find("#split-stop").Click();
        cut.Confirm("Cancel");
        Assert.NotNull((await StoredAsync(campaign.Key)).Split);

        cut.Find("#split-stop").Click();
        cut.Confirm("Stop split");

        cut.WaitForAssertion(() => cut.Find("#split-form"), PortalKit.Wait);
        var stored = await StoredAsync(campaign.Key);
        Assert.Null(stored.Split);
        Assert.Equal(0m, stored.Floor);
        Assert.Contains(await Host.AuditAsync(campaign.Key), a => a.Actor == PortalKit.Manager && a.Before?.Contains(split.Id) == true);
    }

    [Fact]
    public async Task A_viewer_sees_the_table_but_no_start_promote_or_stop()
    {
        var split = new SplitConfig { Id = TestWorkspace.Unique("exp"), ShareB = 0.1m };
        var (running, _, _) = await SetUpAsync(split);
        SignInAs(Roles.Viewer);

        var cut = RenderPage<SplitPage>(("Key", running.Key));

        cut.WaitForAssertion(() => cut.Find("#split-table"));
        Assert.Empty(cut.FindAll("#split-promote"));
        Assert.Empty(cut.FindAll("#split-stop"));
        Assert.Empty(cut.FindAll("#split-edit"));
    }

    [Fact]
    public async Task A_viewer_on_a_campaign_without_a_split_is_told_so_and_gets_no_form()
    {
        var (idle, _, _) = await SetUpAsync();
        SignInAs(Roles.Viewer);

        var cut = RenderPage<SplitPage>(("Key", idle.Key));

        cut.WaitForAssertion(() => cut.Find("#split-none"));
        Assert.Empty(cut.FindAll("#split-form"));
    }

    [Fact]
    public async Task The_splits_list_shows_campaigns_running_a_split_with_a_link_to_their_page()
    {
        var split = new SplitConfig { Id = TestWorkspace.Unique("exp"), ShareB = 0.25m };
        var (running, _, _) = await SetUpAsync(split);
        var (idle, _, _) = await SetUpAsync();

        var cut = RenderPage<SplitList>();

        cut.WaitForAssertion(() => cut.Find($"#splits-row-{running.Key}"));
        Assert.Contains("25 %", cut.Find($"#splits-row-{running.Key}").TextContent);
        Assert.Contains($"campaigns/{running.Key}/split", cut.Find($"#splits-row-{running.Key}").InnerHtml);
        Assert.Empty(cut.FindAll($"#splits-row-{idle.Key}"));
    }

    [Fact]
    public async Task The_dashboard_names_each_running_split_with_a_link_to_compare_A_and_B()
    {
        var split = new SplitConfig { Id = TestWorkspace.Unique("exp"), ShareB = 0.1m };
        var (running, _, _) = await SetUpAsync(split);
        var (idle, _, _) = await SetUpAsync();

        var cut = RenderPage<LeadHub.Web.Components.Pages.Home>();

        cut.WaitForAssertion(() => cut.Find($"#dash-split-{running.Key}"));
        var text = System.Text.RegularExpressions.Regex.Replace(cut.Find($"#dash-split-{running.Key}").TextContent, @"\s+", " ");
        Assert.Contains($"Live split {split.Id} on {running.Key}: 10 % of new leads to plan B", text);
        Assert.Contains($"campaigns/{running.Key}/split", cut.Find($"#dash-split-{running.Key}").InnerHtml);
        Assert.Empty(cut.FindAll($"#dash-split-{idle.Key}"));
    }

    [Fact]
    public async Task Saving_the_campaign_in_its_editor_keeps_the_running_split_and_links_to_it()
    {
        var split = new SplitConfig { Id = TestWorkspace.Unique("exp"), ShareB = 0.3m, PlanB = new RoutingPlan { Floor = 2m } };
        var (campaign, _, _) = await SetUpAsync(split);
        var cut = RenderPage<LeadHub.Web.Components.Pages.Campaigns.CampaignEditor>(("Key", campaign.Key));
        cut.WaitForElement("input#campaign-floor", PortalKit.Wait);
        Assert.Contains($"Live split {split.Id} running", cut.Find("#campaign-split-link").TextContent);

        cut.Find("input#campaign-floor").Change("1.25");
        cut.Find("#campaign-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Campaign saved.", cut.Markup), PortalKit.Wait);
        var stored = await StoredAsync(campaign.Key);
        Assert.Equal(1.25m, stored.Floor);
        Assert.Equal(split.Id, stored.Split?.Id);
        Assert.Equal(2m, stored.Split!.PlanB.Floor);
    }
}
