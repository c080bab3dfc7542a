using Bunit;
using Bunit.Rendering;
using Bunit.TestDoubles;
using LeadHub.Web;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace LeadHub.Tests.Infrastructure;

// The one bUnit base class: pages render against the real services of a LeadHub host (real
// SQLite, real WorkspaceService), signed in with the role a test chooses.
public abstract class PortalTestContext : BunitContext, IClassFixture<LeadHubFactory>, IAsyncLifetime
{
    private readonly BunitAuthorizationContext _auth;

    protected LeadHubFactory Host { get; }

    protected PortalTestContext(LeadHubFactory host)
    {
        Host = host;
        // Generous: two cores running the whole suite (and browsers) at once are slow at times.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        Services.AddMudServices();
        // Touching Services forces the host to start, so its database is migrated and seeded.
        Services.AddFallbackServiceProvider(host.Services);
        _auth = AddAuthorization();
        JSInterop.Mode = JSRuntimeMode.Loose;
        JSInterop.Setup<MudBlazor.Interop.ElementSize>("mudGetSvgBBox", _ => true).SetResult(new() { Width = 30, Height = 15 });
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        SignInAs(Roles.Manager);
    }

    protected void SignInAs(string role)
    {
        _auth.SetAuthorized($"{role.ToLowerInvariant()}@leadhub.test");
        _auth.SetRoles(role);
    }

    // Pages render inside the providers the layout gives them (popovers for selects and menus,
    // dialogs, snackbars), as in the running portal.
    protected IRenderedComponent<ContainerFragment> RenderPage<TPage>(params (string Name, object? Value)[] parameters)
        where TPage : IComponent =>
        Render(b =>
        {
            b.OpenComponent<MudPopoverProvider>(0);
            b.CloseComponent();
            b.OpenComponent<MudDialogProvider>(1);
            b.CloseComponent();
            b.OpenComponent<MudSnackbarProvider>(2);
            b.CloseComponent();
            b.OpenComponent<TPage>(3);
            foreach (var (name, value) in parameters) b.AddAttribute(4, name, value);
            b.CloseComponent();
        });

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
