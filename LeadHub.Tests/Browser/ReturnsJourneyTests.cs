using LeadHub.Core.Returns;
using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using LeadHub.Tests.Returns;
using LeadHub.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace LeadHub.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class ReturnsJourneyTests(BrowserFixture browser) : IAsyncLifetime
{
    private LoopbackBuyers _buyers = null!;

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync() => await _buyers.DisposeAsync();

    [Fact]
    public async Task A_manager_bulk_approves_pending_returns_with_a_reason_and_the_leads_show_as_returned_with_revenue_reversed()
    {
        var s = await ReturnsScenario.CreateAsync(browser.Host, _buyers);
        var returns = browser.Host.Services.GetRequiredService<ReturnService>();
        var pending = new List<(Guid Lead, Guid Return)>();
        for (var i = 0; i < 3; i++)
        {
            var lead = await s.SoldLeadAsync(browser.Host);
            var (row, _) = await returns.RequestAsync(lead, s.Buyer, "disconnected number", s.Buyer);
            pending.Add((lead, row!.Id));
        }
        var page = await browser.SignInAsync(Roles.Manager);

        await page.GotoAsync(browser.BaseUrl + "/returns");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.Locator($"#select-{pending[0].Return}").CheckAsync(new() { Force = true });
        await page.Locator($"#select-{pending[1].Return}").CheckAsync(new() { Force = true });
        await Assertions.Expect(page.Locator("#returns-selected-count")).ToContainTextAsync("2 selected");
        await page.ClickAsync("#bulk-approve");
        await page.Locator("#reason-text").FillAsync("buyer sent call recordings");
        await Assertions.Expect(page.Locator("#reason-text")).ToHaveValueAsync("buyer sent call recordings");
        // A stray click beside the dialog keeps it open with the note typed so far.
        await page.Mouse.ClickAsync(5, 5);
        await Assertions.Expect(page.Locator("#reason-text")).ToHaveValueAsync("buyer sent call recordings");
        await page.ClickAsync("#reason-confirm");
        // The dialog closes on the decision; the page then says what was done.
        await Assertions.Expect(page.Locator("#reason-confirm")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("2 return(s) approved");

        await Assertions.Expect(page.Locator($"#returns-pending #return-{pending[0].Return}")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator($"#returns-pending #return-{pending[1].Return}")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator($"#returns-pending #return-{pending[2].Return}")).ToHaveCountAsync(1);
        await BrowserFixture.ScreenshotAsync(page, "returns-bulk-approved");

        await page.GotoAsync($"{browser.BaseUrl}/leads/{pending[0].Lead}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("returned");
        await Assertions.Expect(page.Locator("#lead-margin")).ToContainTextAsync("$0.00");
        await Assertions.Expect(page.Locator("#lead-margin")).ToContainTextAsync("credited back");
        await Assertions.Expect(page.Locator("#lead-return")).ToContainTextAsync("approved");
        Assert.Equal(LeadStatus.Returned, (await ReturnsDb.LeadAsync(browser.Host, pending[1].Lead)).Status);
        Assert.Equal("buyer sent call recordings", (await returns.FindAsync(pending[1].Return))!.DecisionNote);
        await page.Context.CloseAsync();
    }
}
