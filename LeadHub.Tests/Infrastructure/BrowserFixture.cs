using LeadHub.Web;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace LeadHub.Tests.Infrastructure;

// The portal on a real socket, real headless Chromium (Debian's; LEADHUB_CHROMIUM overrides the
// path), and one signed-in-able user per role.
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Password = "Browser-test-pass-1!";

    private sealed class KestrelHost : LeadHubFactory
    {
        public KestrelHost() => UseKestrel(0);
    }

    private readonly KestrelHost _host = new();
    private IPlaywright? _playwright;

    public LeadHubFactory Host => _host;
    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";

    public static string ScreenshotDir { get; } =
        Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        _host.StartServer();
        using (var client = _host.CreateClient()) BaseUrl = client.BaseAddress!.ToString().TrimEnd('/');
        await using (var scope = _host.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            foreach (var role in Roles.All)
            {
                var user = new IdentityUser { UserName = Email(role), Email = Email(role), EmailConfirmed = true };
                var created = await users.CreateAsync(user, Password);
                if (!created.Succeeded) throw new InvalidOperationException(string.Join("; ", created.Errors.Select(e => e.Description)));
                await users.AddToRoleAsync(user, role);
            }
        }

        // A loaded CI machine (2 cores, a whole suite) is slow at times; waits are generous, never sleeps.
        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("LEADHUB_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        Directory.CreateDirectory(ScreenshotDir);
    }

    public static string Email(string role) => $"{role.ToLowerInvariant()}@browser.test";

    // A fresh browser context signed in as a user of `role`, on the dashboard (a desktop screen unless told).
    public async Task<IPage> SignInAsync(string role, ViewportSize? viewport = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = viewport ?? new ViewportSize { Width = 1400, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(BaseUrl + "/account/login");
        await page.FillAsync("#email", Email(role));
        await page.FillAsync("#password", Password);
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync(BaseUrl + "/");
        await WaitForInteractiveAsync(page);
        return page;
    }

    // Blazor Server pages only react once the circuit is up.
    public static async Task WaitForInteractiveAsync(IPage page) =>
        await page.Locator("#interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        await _host.DisposeAsync();
    }
}
