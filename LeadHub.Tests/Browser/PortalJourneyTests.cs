using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using LeadHub.Web;
using Microsoft.Playwright;

namespace LeadHub.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class PortalJourneyTests(BrowserFixture browser) : IAsyncLifetime
{
    private LoopbackBuyers _buyers = null!;

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync() => await _buyers.DisposeAsync();

    private async Task<Guid> SoldLeadAsync(string campaignKey, object? fields = null)
    {
        var buyer = TestWorkspace.Unique("acme");
        _buyers.Set(buyer, new BuyerBehaviour { Ping = BuyerAnswer.Bid(21), Post = BuyerAnswer.Accept() });
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        await browser.Host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [TestWorkspace.Campaign(campaignKey)],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaignKey)],
            Buyers = [TestWorkspace.Buyer(buyer, TestWorkspace.PingPost(buyer + "-c", campaignKey, _buyers.PingUrl(buyer), _buyers.PostUrl(buyer)))],
        });
        using var publisher = browser.Host.Publisher(apiKey);
        var answer = await (await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaignKey, fields))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sold", answer.GetProperty("status").GetString());
        return answer.GetProperty("leadId").GetGuid();
    }

    [Fact]
    public async Task Wrong_password_is_refused_with_a_message()
    {
        var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(browser.BaseUrl + "/account/login");
        await page.FillAsync("#email", BrowserFixture.Email(Roles.Manager));
        await page.FillAsync("#password", "not-the-password");
        await page.ClickAsync("#sign-in");

        await Assertions.Expect(page.Locator("#login-error")).ToContainTextAsync("Wrong email or password");
        await context.CloseAsync();
    }

    [Fact]
    public async Task Hangfire_dashboard_is_for_admins_only()
    {
        var admin = await browser.SignInAsync(Roles.Admin);
        var manager = await browser.SignInAsync(Roles.Manager);
        using var anonymous = new HttpClient { BaseAddress = new Uri(browser.BaseUrl) };

        var asAdmin = await admin.GotoAsync(browser.BaseUrl + "/hangfire/recurring");
        await manager.GotoAsync(browser.BaseUrl + "/hangfire");
        var asNobody = await anonymous.GetAsync("/hangfire");

        Assert.Equal(200, asAdmin!.Status);
        await Assertions.Expect(admin.Locator("body")).ToContainTextAsync("return-review");
        await BrowserFixture.ScreenshotAsync(admin, "hangfire-recurring");
        // Not raw 401/403 JSON: a manager gets the portal's "Not allowed" page, someone signed out the login page.
        Assert.EndsWith("/account/denied", new Uri(manager.Url).AbsolutePath);
        await Assertions.Expect(manager.Locator("body")).ToContainTextAsync("Not allowed");
        Assert.DoesNotContain("return-review", await manager.ContentAsync());
        Assert.Equal("/account/login", asNobody.RequestMessage!.RequestUri!.AbsolutePath);
        await admin.Context.CloseAsync();
        await manager.Context.CloseAsync();
    }

    [Fact]
    public async Task Signed_out_visitor_is_sent_to_the_login_page()
    {
        var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(browser.BaseUrl + "/leads");

        await page.WaitForURLAsync(url => url.Contains("/account/login"));
        await context.CloseAsync();
    }

    [Fact]
    public async Task Manager_finds_a_sold_lead_and_reads_its_trace()
    {
        var campaign = TestWorkspace.Unique("journey");
        await SoldLeadAsync(campaign);
        var page = await browser.SignInAsync(Roles.Manager);

        await page.GotoAsync(browser.BaseUrl + "/leads");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.Locator("#leads-table tbody tr", new() { HasText = campaign }).First.ClickAsync();

        await Assertions.Expect(page.Locator("#lead-price")).ToContainTextAsync("$21.00");
        await Assertions.Expect(page.Locator("#lead-trace .trace-step[data-outcome='accepted']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#lead-trace .trace-step[data-kind='ping']")).ToHaveCountAsync(1);
        await BrowserFixture.ScreenshotAsync(page, "lead-trace");
        await page.Context.CloseAsync();
    }

    // The content security policy must not break the portal: Blazor's scripts, the circuit's
    // websocket and MudBlazor's styles all load, and the browser reports no violation.
    [Fact]
    public async Task Portal_works_under_its_content_security_policy()
    {
        var campaign = TestWorkspace.Unique("csp");
        var leadId = await SoldLeadAsync(campaign);
        var page = await browser.SignInAsync(Roles.Manager);
        var violations = new List<string>();
        page.Console += (_, m) => { if (m.Text.Contains("Content Security Policy")) violations.Add(m.Text); };

        var response = await page.GotoAsync($"{browser.BaseUrl}/leads/{leadId}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#lead-price")).ToContainTextAsync("$21.00");
        await page.GotoAsync(browser.BaseUrl + "/leads");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#leads-table tbody tr", new() { HasText = campaign })).ToHaveCountAsync(1);

        Assert.Contains("script-src 'self'", await response!.HeaderValueAsync("content-security-policy"));
        Assert.Empty(violations);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Viewer_sees_masked_personal_data()
    {
        var leadId = await SoldLeadAsync(TestWorkspace.Unique("masked"), new { email = "viewer.check@example.com" });
        var page = await browser.SignInAsync(Roles.Viewer);

        await page.GotoAsync($"{browser.BaseUrl}/leads/{leadId}");
        await BrowserFixture.WaitForInteractiveAsync(page);

        await Assertions.Expect(page.Locator("#pii-masked")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#lead-fields")).ToContainTextAsync("v***@example.com");
        await Assertions.Expect(page.Locator("#lead-fields")).Not.ToContainTextAsync("viewer.check@example.com");
        await BrowserFixture.ScreenshotAsync(page, "lead-viewer-masked");
        await page.Context.CloseAsync();
    }
}

// Run alone, after the parallel tests: a busy machine makes a real browser slow and flaky.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
