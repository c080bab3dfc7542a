using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Portal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace LeadHub.Tests.Browser;

// A manager in New York: the browser's zone becomes theirs at first sign-in, "Today" starts at
// New York's midnight, times read in New York time, and the CSV export agrees.
[Collection(BrowserCollection.Name)]
public sealed class TimeZoneJourneyTests(BrowserFixture browser)
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    [Fact]
    public async Task Manager_in_new_york_picks_today_and_sees_only_local_today_in_local_time()
    {
        // A user of their own: the zone is stored per user at first sign-in.
        var email = $"{TestWorkspace.Unique("nyc")}@browser.test";
        Assert.Null(await browser.Host.Services.GetRequiredService<PortalUsers>().CreateAsync("test", email, Roles.Manager, BrowserFixture.Password));
        var now = DateTimeOffset.UtcNow;
        var midnight = ZoneTime.Instant(TimeZoneInfo.ConvertTime(now, NewYork).Date, NewYork);
        var campaign = TestWorkspace.Unique("nyc");
        var lastNight = await StoredLeads.AddAsync(browser.Host, campaign, midnight.AddMinutes(-30), externalId: "last-night");
        var morning = midnight + (now - midnight) / 2;
        var today = await StoredLeads.AddAsync(browser.Host, campaign, morning, externalId: "this-morning");

        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            TimezoneId = "America/New_York", ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(browser.BaseUrl + "/account/login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", BrowserFixture.Password);
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync(browser.BaseUrl + "/");
        await BrowserFixture.WaitForInteractiveAsync(page);

        // Dashboard: "Today" (the default) runs from New York's midnight.
        await Assertions.Expect(page.Locator("#dash-range-zone")).ToHaveTextAsync("America/New_York");
        await page.ClickAsync("#preset-today");
        await Assertions.Expect(page.Locator("#dash-updated"))
            .ToContainTextAsync($"{TimeZoneInfo.ConvertTime(midnight, NewYork):yyyy-MM-dd} 00:00 –");

        // Leads: the campaign's leads of any time, then only New York's today.
        await page.GotoAsync($"{browser.BaseUrl}/leads?campaign={campaign}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#leads-table tbody tr")).ToHaveCountAsync(2);
        await page.ClickAsync("#preset-today");
        await Assertions.Expect(page.Locator("#leads-table tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#leads-table td.lead-received"))
            .ToHaveTextAsync(TimeZoneInfo.ConvertTime(morning, NewYork).ToString("yyyy-MM-dd HH:mm:ss"));
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("range=today"));
        await BrowserFixture.ScreenshotAsync(page, "leads-today-new-york");

        // The export of that search: the same one lead, its time with New York's offset, and PII for a manager.
        var export = await page.APIRequest.GetAsync($"{browser.BaseUrl}/export/leads.csv?campaign={campaign}&range=today");
        Assert.Equal(200, export.Status);
        var lines = (await export.TextAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith("email,phone", lines[0]);
        var row = Assert.Single(lines[1..]);
        Assert.StartsWith($"{today},{TimeZoneInfo.ConvertTime(morning, NewYork):yyyy-MM-dd'T'HH:mm:ss}{Offset(morning)}", row);
        Assert.DoesNotContain(lastNight.ToString(), row);

        // My settings shows the zone the browser gave.
        await page.ClickAsync("#user-settings");
        await Assertions.Expect(page.Locator("#settings-now")).ToContainTextAsync("America/New_York");
        await context.CloseAsync();
    }

    [Fact]
    public async Task Viewer_exports_leads_without_personal_data_and_may_not_export_users()
    {
        var viewer = await browser.SignInAsync(Roles.Viewer);

        var users = await viewer.APIRequest.GetAsync($"{browser.BaseUrl}/export/users.csv");
        Assert.Equal(403, users.Status);
        var leads = await viewer.APIRequest.GetAsync($"{browser.BaseUrl}/export/leads.csv?range=today");
        Assert.Equal(200, leads.Status);
        var header = (await leads.TextAsync()).Split("\r\n")[0];
        Assert.DoesNotContain("email", header);
        Assert.EndsWith("state,zip", header);
        var bad = await viewer.APIRequest.GetAsync($"{browser.BaseUrl}/export/leads.csv?zip=abc");
        Assert.Equal(400, bad.Status);
        await viewer.Context.CloseAsync();
    }

    private static string Offset(DateTimeOffset instant)
    {
        var offset = NewYork.GetUtcOffset(instant);
        return (offset < TimeSpan.Zero ? "-" : "+") + offset.ToString("hh\\:mm");
    }
}
