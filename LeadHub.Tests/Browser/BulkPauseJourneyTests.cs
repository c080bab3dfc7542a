using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using LeadHub.Web;
using Microsoft.Playwright;

namespace LeadHub.Tests.Browser;

// A manager selects three contracts, pauses them at once with a reason, sees the reason in their
// status, and the next lead is no longer offered to them.
[Collection(BrowserCollection.Name)]
public sealed class BulkPauseJourneyTests(BrowserFixture browser) : IAsyncLifetime
{
    private LoopbackBuyers _buyers = null!;

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync() => await _buyers.DisposeAsync();

    [Fact]
    public async Task Bulk_pausing_three_contracts_with_a_reason_shows_it_and_routing_stops_selling_to_them()
    {
        var tag = TestWorkspace.Unique("bp");
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("camp"), auctionTimeoutMs: 2000);
        var names = new[] { $"{tag}-a", $"{tag}-b", $"{tag}-c", $"{tag}-d" };
        // The three to pause bid highest: if routing still offered them the lead, one of them would win it.
        foreach (var (name, bid) in names.Zip(new[] { 30m, 29m, 28m, 10m }))
            _buyers.Set(name, new BuyerBehaviour { Ping = BuyerAnswer.Bid(bid), Post = BuyerAnswer.Accept() });
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        await browser.Host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers = [.. names.Select(n => TestWorkspace.Buyer(n, TestWorkspace.PingPost(n + "-c", campaign.Key, _buyers.PingUrl(n), _buyers.PostUrl(n), timeoutMs: 1000)))],
        });

        var page = await browser.SignInAsync(Roles.Manager);
        await page.GotoAsync(browser.BaseUrl + "/contracts?q=" + tag);
        await BrowserFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#contracts-list tbody tr")).ToHaveCountAsync(4);
        foreach (var name in names[..3])
            await page.Locator($"input#select-{name}-c, #select-{name}-c input").First.CheckAsync(new LocatorCheckOptions { Force = true });
        await Assertions.Expect(page.Locator("#contracts-selected")).ToHaveTextAsync("3 selected");

        await page.ClickAsync("#bulk-pause");
        await Assertions.Expect(page.Locator("#bulk-preview tbody tr")).ToHaveCountAsync(3);
        await page.FillAsync("#bulk-reason", "buyer asked to stop for the weekend");
        // A stray click beside the dialog keeps it open with the reason typed so far.
        await page.Mouse.ClickAsync(5, 5);
        await Assertions.Expect(page.Locator("#bulk-reason")).ToHaveValueAsync("buyer asked to stop for the weekend");
        await page.ClickAsync("#bulk-confirm");

        foreach (var name in names[..3])
        {
            var status = page.Locator($"#status-{name}-c");
            await Assertions.Expect(status).ToContainTextAsync("Paused by manager@browser.test");
            await Assertions.Expect(status).ToContainTextAsync("buyer asked to stop for the weekend");
        }
        await Assertions.Expect(page.Locator($"#status-{names[3]}-c")).ToContainTextAsync("Receiving");
        await BrowserFixture.ScreenshotAsync(page, "contracts-bulk-paused");

        using var publisher = browser.Host.Publisher(apiKey);
        var answer = await (await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign.Key))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sold", answer.GetProperty("status").GetString());
        using var admin = browser.Host.Admin();
        var lead = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/admin/leads/{answer.GetProperty("leadId").GetGuid()}");
        Assert.Equal(names[3], lead.GetProperty("buyer").GetString());
        foreach (var name in names[..3]) Assert.Empty(_buyers.CallsTo(name, "ping"));
        await page.Context.CloseAsync();
    }
}
