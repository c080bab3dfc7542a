using Bunit;
using LeadHub.Core.Returns;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using LeadHub.Tests.Returns;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Leads;
using Microsoft.Extensions.DependencyInjection;
using ReturnsPage = LeadHub.Web.Components.Pages.Returns.Returns;

namespace LeadHub.Tests.Portal;

public sealed class ReturnsPageTests(LeadHubFactory host) : PortalTestContext(host)
{
    private ReturnService Service => Host.Services.GetRequiredService<ReturnService>();

    // A sold lead of a fresh scenario with a pending return from its buyer.
    private async Task<(ReturnsScenario Scenario, Guid LeadId, Guid ReturnId)> PendingReturnAsync(LoopbackBuyers buyers)
    {
        var s = await ReturnsScenario.CreateAsync(Host, buyers);
        var leadId = await s.SoldLeadAsync(Host);
        var (row, refusal) = await Service.RequestAsync(leadId, s.Buyer, "phone disconnected", s.Buyer);
        Assert.Null(refusal);
        return (s, leadId, row!.Id);
    }

    [Fact]
    public async Task The_pending_queue_shows_the_return_with_its_lead_buyer_campaign_price_and_reason()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (s, leadId, returnId) = await PendingReturnAsync(buyers);

        var cut = RenderPage<ReturnsPage>();

        cut.WaitForAssertion(() => cut.Find($"#returns-pending #return-{returnId}"));
        var row = cut.Find($"#return-{returnId}");
        Assert.Contains(s.Buyer, row.TextContent);
        Assert.Contains(s.Campaign, row.TextContent);
        Assert.Contains("$12.50", row.TextContent);
        Assert.Contains("phone disconnected", row.TextContent);
        Assert.Contains("min", row.TextContent); // age
        Assert.Equal($"leads/{leadId}", row.QuerySelector("a")!.GetAttribute("href"));
        Assert.NotNull(row.QuerySelector($"#approve-{returnId}"));
        Assert.NotNull(row.QuerySelector($"#deny-{returnId}"));
    }

    [Fact]
    public async Task A_manager_approves_with_a_note_and_the_lead_becomes_returned_with_who_decided()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (_, leadId, returnId) = await PendingReturnAsync(buyers);
        var cut = RenderPage<ReturnsPage>();
        cut.WaitForAssertion(() => cut.Find($"#approve-{returnId}"));

        cut.Find($"#approve-{returnId}").Click();
        cut.WaitForAssertion(() => cut.Find("#reason-text"));
        cut.Find("#reason-text").Input("checked the number");
        cut.Find("#reason-confirm").Click();

        cut.WaitForAssertion(() => Assert.Contains("Return approved", cut.Markup));
        Assert.Equal(LeadStatus.Returned, (await ReturnsDb.LeadAsync(Host, leadId)).Status);
        var stored = Assert.Single(await ReturnsDb.ReturnsOfAsync(Host, leadId));
        Assert.Equal((ReturnStatus.Approved, "manager@leadhub.test", "checked the number"), (stored.Status, stored.DecidedBy, stored.DecisionNote));
        var audit = (await ReturnsDb.AuditOfAsync(Host, returnId)).Last();
        Assert.Equal(("approve return", "manager@leadhub.test"), (audit.Action, audit.Actor));
        // Moved from the queue to the history (the lists reload after the message shows).
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll($"#returns-pending #return-{returnId}")));
        cut.WaitForAssertion(() => Assert.Contains("manager@leadhub.test", cut.Find($"#returns-decided #return-{returnId}").TextContent));
    }

    [Fact]
    public async Task Denying_needs_a_reason_and_keeps_the_lead_sold()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (_, leadId, returnId) = await PendingReturnAsync(buyers);
        var cut = RenderPage<ReturnsPage>();
        cut.WaitForAssertion(() => cut.Find($"#deny-{returnId}"));

        await cut.InvokeAsync(() => cut.Find($"#deny-{returnId}").Click());
        cut.WaitForAssertion(() => Assert.True(cut.Find("#reason-confirm").HasAttribute("disabled")));
        cut.Find("#reason-text").Input("the lead answered");
        cut.WaitForAssertion(() => Assert.False(cut.Find("#reason-confirm").HasAttribute("disabled")));
        cut.Find("#reason-confirm").Click();

        cut.WaitForAssertion(() => Assert.Contains("Return denied", cut.Markup));
        Assert.Equal(LeadStatus.Sold, (await ReturnsDb.LeadAsync(Host, leadId)).Status);
        Assert.Equal(ReturnStatus.Denied, Assert.Single(await ReturnsDb.ReturnsOfAsync(Host, leadId)).Status);
    }

    [Fact]
    public async Task A_viewer_sees_the_queue_without_buttons_and_the_handler_refuses()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (_, leadId, returnId) = await PendingReturnAsync(buyers);
        SignInAs(Roles.Viewer);
        var cut = RenderPage<ReturnsPage>();
        cut.WaitForAssertion(() => cut.Find($"#return-{returnId}"));

        Assert.Empty(cut.FindAll($"#approve-{returnId}"));
        Assert.Empty(cut.FindAll($"#deny-{returnId}"));
        var page = cut.FindComponent<ReturnsPage>().Instance;
        await cut.InvokeAsync(() => page.DecideAsync(returnId, approve: true));

        Assert.Empty(cut.FindAll(".mud-dialog"));
        cut.WaitForAssertion(() => Assert.Contains("Your role may not change configuration.", cut.Markup));
        Assert.Equal(ReturnStatus.Pending, Assert.Single(await ReturnsDb.ReturnsOfAsync(Host, leadId)).Status);
        Assert.Equal(LeadStatus.Sold, (await ReturnsDb.LeadAsync(Host, leadId)).Status);
    }

    [Fact]
    public async Task Reject_statistics_show_each_buyers_reject_rate_from_real_posts()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        // Two buyers in one tier: `picky` bids more, so every lead is posted to it first; when it
        // rejects, the lead goes on to `steady`.
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("rej"), auctionTimeoutMs: 10_000);
        var (picky, steady) = (TestWorkspace.Unique("picky"), TestWorkspace.Unique("steady"));
        var apiKey = "pk-" + Guid.NewGuid().ToString("N");
        buyers.Set(picky, new BuyerBehaviour { Ping = BuyerAnswer.Bid(20m), Post = BuyerAnswer.Accept() });
        buyers.Set(steady, new BuyerBehaviour { Ping = BuyerAnswer.Bid(10m), Post = BuyerAnswer.Accept() });
        await Host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers =
            [
                TestWorkspace.Buyer(picky, TestWorkspace.PingPost(picky + "-c", campaign.Key, buyers.PingUrl(picky), buyers.PostUrl(picky), timeoutMs: 10_000)),
                TestWorkspace.Buyer(steady, TestWorkspace.PingPost(steady + "-c", campaign.Key, buyers.PingUrl(steady), buyers.PostUrl(steady), timeoutMs: 10_000)),
            ],
        });
        var s = new ReturnsScenario(campaign.Key, picky, "", apiKey);
        var first = await s.SoldLeadAsync(Host);
        buyers.Set(picky, new BuyerBehaviour { Ping = BuyerAnswer.Bid(20m), Post = BuyerAnswer.Reject("duplicate") });
        for (var i = 0; i < 3; i++) await s.SoldLeadAsync(Host);
        await Service.RequestAsync(first, null, "bad phone", "manager@leadhub.test");

        var cut = RenderPage<ReturnsPage>();

        cut.WaitForAssertion(() => cut.Find($"#stats-{picky}"));
        var pickyRow = cut.Find($"#stats-{picky}");
        var cells = pickyRow.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToArray();
        Assert.Equal(["4", "3"], cells[1..3]);
        Assert.Contains("75.0 %", cells[3]);
        Assert.Equal("true", pickyRow.QuerySelector(".reject-rate")!.GetAttribute("data-alert"));
        Assert.NotNull(pickyRow.QuerySelector(".reject-rate .mud-warning-text"));
        Assert.Contains("duplicate × 3", cells[4]);
        Assert.Equal("0 / 1", cells[5]);

        var steadyRow = cut.Find($"#stats-{steady}");
        Assert.Contains("0.0 %", steadyRow.QuerySelector(".reject-rate")!.TextContent);
        Assert.Equal("false", steadyRow.QuerySelector(".reject-rate")!.GetAttribute("data-alert"));
    }

    [Fact]
    public async Task A_manager_requests_a_return_from_the_lead_page_and_a_viewer_cannot()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(Host, buyers);
        var leadId = await s.SoldLeadAsync(Host);

        SignInAs(Roles.Viewer);
        var asViewer = RenderPage<LeadDetail>(("Id", leadId));
        asViewer.WaitForAssertion(() => asViewer.Find("#lead-price"));
        Assert.Empty(asViewer.FindAll("#request-return"));
        await asViewer.InvokeAsync(() => asViewer.FindComponent<LeadDetail>().Instance.RequestReturnAsync());
        Assert.Empty(await ReturnsDb.ReturnsOfAsync(Host, leadId));

        await DisposeComponentsAsync();
        SignInAs(Roles.Manager);
        var cut = RenderPage<LeadDetail>(("Id", leadId));
        cut.WaitForAssertion(() => cut.Find("#request-return"));
        cut.Find("#request-return").Click();
        cut.WaitForAssertion(() => cut.Find("#reason-text"));
        cut.Find("#reason-text").Input("buyer called: wrong person");
        cut.Find("#reason-confirm").Click();

        cut.WaitForAssertion(() => Assert.Contains("pending", cut.Find("#lead-return").TextContent));
        Assert.Empty(cut.FindAll("#request-return"));
        var stored = Assert.Single(await ReturnsDb.ReturnsOfAsync(Host, leadId));
        Assert.Equal((ReturnStatus.Pending, "manager@leadhub.test", "buyer called: wrong person", s.Buyer),
            (stored.Status, stored.RequestedBy, stored.Reason, stored.BuyerKey));
    }
}
