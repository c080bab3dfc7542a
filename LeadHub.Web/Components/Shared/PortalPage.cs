using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace LeadHub.Web.Components.Shared;

// Base of every portal page: who is signed in and what they may do. Hiding a button is only a
// courtesy; every action that changes something calls EnsureCanEdit/EnsureAdmin first, which
// runs on the server (Blazor Server), so a crafted event from the browser is refused too.
public abstract class PortalPage : ComponentBase
{
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = default!;
    [Inject] protected ISnackbar Snackbar { get; set; } = default!;

    // The user's time zone: every time a page shows and every range it queries goes through it.
    [Inject] protected LeadHub.Web.Portal.UserTime UserTime { get; set; } = default!;

    protected ClaimsPrincipal User { get; private set; } = new();

    // Recorded in the audit log as who made a change.
    protected string Actor => User.Identity?.Name ?? "unknown";
    protected bool CanEdit => User.IsInRole(Roles.Admin) || User.IsInRole(Roles.Manager);
    protected bool IsAdmin => User.IsInRole(Roles.Admin);

    // Viewers see leads with PII masked.
    protected bool SeesPii => CanEdit;

    protected override async Task OnInitializedAsync()
    {
        User = (await AuthState).User;
        await UserTime.LoadAsync(User);
        await OnPageInitializedAsync();
    }

    protected virtual Task OnPageInitializedAsync() => Task.CompletedTask;

    protected bool EnsureCanEdit() => Ensure(() => CanEdit, "Your role may not change configuration.");

    protected bool EnsureAdmin() => Ensure(() => IsAdmin, "Only admins may do this.");

    // Checked against the current authentication state, not the one the page was opened with:
    // a role taken away while the page is open no longer allows the action.
    private bool Ensure(Func<bool> allowed, string message)
    {
        if (AuthState is { IsCompletedSuccessfully: true }) User = AuthState.Result.User;
        var ok = allowed();
        if (!ok) Snackbar.Add(message, Severity.Error);
        return ok;
    }
}
