using System.Net.Http.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using LeadHub.Web;
using Microsoft.Playwright;

namespace LeadHub.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class DashboardLiveTests(BrowserFixture browser)
{
    [Fact]
    public async Task Dashboard_counts_new_leads_while_they_arrive_without_a_reload()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var campaign = TestWorkspace.Unique("live");
        var buyer = TestWorkspace.Unique("livebuyer");
        buyers.Set(buyer, new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() });
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        await browser.Host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [TestWorkspace.Campaign(campaign)],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign)],
            Buyers = [TestWorkspace.Buyer(buyer, TestWorkspace.PingPost(buyer + "-c", campaign, buyers.PingUrl(buyer), buyers.PostUrl(buyer)))],
        });
        var page = await browser.SignInAsync(Roles.Manager);
        await page.Locator("#dash-campaign").Locator("xpath=ancestor::div[contains(@class,'mud-input-control')][1]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = campaign }).First.ClickAsync();
        await Assertions.Expect(page.Locator("#kpi-leads .mud-typography-h5")).ToHaveTextAsync("0");
        var navigations = 0;
        page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) navigations++; };

        using var publisher = browser.Host.Publisher(apiKey);
        for (var i = 0; i < 3; i++)
            (await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign))).EnsureSuccessStatusCode();

        await Assertions.Expect(page.Locator("#kpi-leads .mud-typography-h5")).ToHaveTextAsync("3");
        await Assertions.Expect(page.Locator("#kpi-revenue .mud-typography-h5")).ToHaveTextAsync("$30.00");
        Assert.Equal(0, navigations);
        await BrowserFixture.ScreenshotAsync(page, "dashboard-live");
        await page.Context.CloseAsync();
    }
}
