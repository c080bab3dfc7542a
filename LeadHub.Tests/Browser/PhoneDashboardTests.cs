using System.Net.Http.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using LeadHub.Web;
using Microsoft.Playwright;

namespace LeadHub.Tests.Browser;

// The dashboard on a phone (390 × 844, an iPhone 14): everything reachable, nothing wider than the
// screen but the breakdowns (which scroll sideways), and a page one scrolls through, not 15,000 px.
[Collection(BrowserCollection.Name)]
public sealed class PhoneDashboardTests(BrowserFixture browser)
{
    private static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    [Fact]
    public async Task On_a_phone_the_dashboard_fits_the_width_stays_short_and_sign_out_is_in_the_account_menu()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        await SeedTrafficAsync(buyers);

        var page = await browser.SignInAsync(Roles.Manager, Phone);
        await Assertions.Expect(page.Locator("#by-publisher tbody tr").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#chart-leads svg").First).ToBeVisibleAsync();
        // The charts draw on a phone too (they size themselves to the card).
        foreach (var chart in new[] { "chart-money", "chart-rates", "chart-leads" })
            await Assertions.Expect(page.Locator($"#{chart} svg path").First).ToBeAttachedAsync();
        await BrowserFixture.ScreenshotAsync(page, "dashboard-phone");

        // Bounded height: cards two a row, charts, breakdowns paged by 10 rows of one line each.
        var height = await page.EvaluateAsync<int>("document.documentElement.scrollHeight");
        Assert.InRange(height, 1, 4000);

        // Nothing but a table's own scroller is wider than the screen.
        var pageWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(pageWidth <= Phone.Width, $"the page is {pageWidth} px wide on a {Phone.Width} px screen");
        var wide = await page.EvaluateAsync<string[]>(@"() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.mud-table-container') && !e.closest('.mud-popover-provider'))
            .filter(e => getComputedStyle(e).visibility !== 'hidden' && e.getClientRects().length > 0)
            .map(e => e.tagName + '.' + e.className + '#' + e.id)");
        Assert.True(wide.Length == 0, "wider than the screen: " + string.Join(", ", wide.Take(5)));
        // A breakdown keeps one line per row and scrolls sideways instead of becoming a card per row.
        var rowHeight = await page.Locator("#by-buyer tbody tr").First.EvaluateAsync<double>("r => r.getBoundingClientRect().height");
        Assert.InRange(rowHeight, 1, 60);
        Assert.True(await page.Locator("#by-buyer .mud-table-container").EvaluateAsync<bool>("c => c.scrollWidth > c.clientWidth"));

        // The wide screen's sign-out button is not off-screen: it is in the account menu.
        await Assertions.Expect(page.Locator("#appbar-actions")).ToBeHiddenAsync();
        await page.Locator("#account-menu button").First.ClickAsync();
        var signOut = page.GetByRole(AriaRole.Button, new() { Name = "sign out" });
        await Assertions.Expect(signOut).ToBeVisibleAsync();
        var box = (await signOut.BoundingBoxAsync())!;
        Assert.True(box.X >= 0 && box.X + box.Width <= Phone.Width, $"sign-out at x {box.X}..{box.X + box.Width}");
        await Assertions.Expect(page.Locator(".mud-popover-open")).ToContainTextAsync(BrowserFixture.Email(Roles.Manager));

        await signOut.ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/account/login"));
        // Really signed out: the dashboard asks to sign in again.
        await page.GotoAsync(browser.BaseUrl + "/");
        await page.WaitForURLAsync(url => url.Contains("/account/login"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task On_a_phone_the_lead_filters_fold_behind_a_button_so_the_leads_are_on_the_first_screen()
    {
        var page = await browser.SignInAsync(Roles.Manager, Phone);
        await page.GotoAsync(browser.BaseUrl + "/leads");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#leads-table")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#leads-search")).ToBeHiddenAsync();
        var tableTop = await page.Locator("#leads-table").EvaluateAsync<double>("t => t.getBoundingClientRect().top");
        Assert.True(tableTop < Phone.Height, $"the leads start {tableTop} px down a {Phone.Height} px screen");

        await page.Locator("#leads-filters-toggle").ClickAsync();
        await Assertions.Expect(page.Locator("#leads-search")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    // Two campaigns, three publishers with a dozen sub-ids, four buyers: breakdowns of many rows.
    private async Task SeedTrafficAsync(LoopbackBuyers buyers)
    {
        var campaigns = new[] { TestWorkspace.Unique("phone-a"), TestWorkspace.Unique("phone-b") };
        var buyerKeys = Enumerable.Range(0, 4).Select(i => TestWorkspace.Unique($"phone-buyer{i}")).ToList();
        for (var i = 0; i < buyerKeys.Count; i++)
            buyers.Set(buyerKeys[i], new BuyerBehaviour { Ping = BuyerAnswer.Bid(5 + i), Post = i % 2 == 0 ? BuyerAnswer.Accept() : BuyerAnswer.Reject("duplicate") });
        var publishers = Enumerable.Range(0, 3).Select(i => TestWorkspace.Publisher(TestWorkspace.Unique($"phone-pub{i}"), "key-" + Guid.NewGuid().ToString("N"), campaigns))
            .ToList();
        await browser.Host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [.. campaigns.Select(c => TestWorkspace.Campaign(c, auctionTimeoutMs: 10_000))],
            Publishers = publishers,
            Buyers = [.. buyerKeys.Select(b => TestWorkspace.Buyer(b, [.. campaigns.Select(c =>
                TestWorkspace.PingPost($"{b}-{c}", c, buyers.PingUrl(b), buyers.PostUrl(b), timeoutMs: 10_000))]))],
        });
        var n = 0;
        foreach (var publisher in publishers)
        {
            using var client = browser.Host.Publisher(publisher.ApiKey!);
            for (var i = 0; i < 8; i++, n++)
                (await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaigns[n % 2], subId: $"sub-{n % 12}"))).EnsureSuccessStatusCode();
        }
    }
}
