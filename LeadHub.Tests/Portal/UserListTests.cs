using Bunit;
using Bunit.Rendering;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

public sealed class UserListTests : PortalTestContext
{
    private const string StrongPassword = "Str0ng!Passw0rd";

    public UserListTests(LeadHubFactory host) : base(host) => SignInAs(Roles.Admin);

    private async Task<T> WithUsersAsync<T>(Func<UserManager<IdentityUser>, Task<T>> use)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        return await use(scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>());
    }

    private Task<IdentityUser?> FindAsync(string email) => WithUsersAsync(users => users.FindByEmailAsync(email));

    private Task<IList<string>> RolesOfAsync(string email) =>
        WithUsersAsync(async users => await users.GetRolesAsync((await users.FindByEmailAsync(email))!));

    private Task<IdentityUser> SeedAsync(string role, string? email = null, bool locked = false) => WithUsersAsync(async users =>
    {
        email ??= $"{TestWorkspace.Unique("user")}@example.com";
        if (await users.FindByEmailAsync(email) is { } existing) return existing;
        var user = new IdentityUser { UserName = email, Email = email, EmailConfirmed = true };
        Assert.True((await users.CreateAsync(user, StrongPassword)).Succeeded);
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
        if (locked) await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
        return user;
    });

    private IRenderedComponent<ContainerFragment> Open(string search)
    {
        var cut = RenderPage<UserList>();
        cut.WaitForElement("#users-table", PortalKit.Wait);
        cut.Find("input#users-search").Input(search);
        return cut;
    }

    private static List<string> Emails(IRenderedComponent<ContainerFragment> cut) =>
        cut.FindAll("#users-table tbody tr").Select(r => r.Children[0].TextContent.Trim()).ToList();

    [Fact]
    public async Task Lists_users_with_their_role_and_lockout_state_and_never_a_password_hash()
    {
        var token = TestWorkspace.Unique("list");
        var viewer = await SeedAsync(Roles.Viewer, $"a-{token}@example.com");
        await SeedAsync(Roles.Manager, $"b-{token}@example.com", locked: true);

        var cut = Open(token);

        cut.WaitForAssertion(() => Assert.Equal([$"a-{token}@example.com", $"b-{token}@example.com"], Emails(cut)), PortalKit.Wait);
        var rows = cut.FindAll("#users-table tbody tr");
        Assert.Contains("Viewer", rows[0].TextContent);
        Assert.Contains("active", rows[0].TextContent);
        Assert.Contains("Manager", rows[1].TextContent);
        Assert.Contains("locked", rows[1].TextContent);
        Assert.False(string.IsNullOrEmpty(viewer.PasswordHash));
        Assert.DoesNotContain(viewer.PasswordHash!, cut.Markup);
        Assert.DoesNotContain(viewer.SecurityStamp!, cut.Markup);
    }

    [Fact]
    public async Task An_admin_creates_a_viewer_who_can_sign_in_with_the_initial_password()
    {
        var email = $"{TestWorkspace.Unique("new-viewer")}@example.com";
        var cut = Open(email);

        cut.Find("#user-new").Click();
        cut.WaitForElement("input#user-new-email", PortalKit.Wait).Change(email);
        cut.Choose("user-new-role", Roles.Manager);
        cut.Choose("user-new-role", Roles.Viewer);
        cut.Find("input#user-new-password").Change(StrongPassword);
        cut.Find("#user-create-save").Click();

        cut.WaitForAssertion(() => Assert.Contains($"User {email} created as Viewer.", cut.Markup), PortalKit.Wait);
        cut.WaitForAssertion(() => Assert.Equal([email], Emails(cut)), PortalKit.Wait);
        Assert.Equal([Roles.Viewer], await RolesOfAsync(email));
        Assert.True(await WithUsersAsync(async users => await users.CheckPasswordAsync((await users.FindByEmailAsync(email))!, StrongPassword)));
        var audit = Assert.Single(await Host.AuditAsync(email));
        Assert.Equal(("create", "user", PortalKit.Admin), (audit.Action, audit.EntityType, audit.Actor));
        Assert.DoesNotContain(StrongPassword, audit.After);
        Assert.DoesNotContain(StrongPassword, cut.Markup);
    }

    [Fact]
    public async Task A_password_that_breaks_the_rules_shows_identitys_errors_keeps_the_input_and_creates_nobody()
    {
        var email = $"{TestWorkspace.Unique("weak")}@example.com";
        var cut = Open(email);

        cut.Find("#user-new").Click();
        cut.WaitForElement("input#user-new-email", PortalKit.Wait).Change(email);
        cut.Find("input#user-new-password").Change("short");
        cut.Find("#user-create-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Passwords must be at least 10 characters.", cut.Find("#user-create-errors").TextContent), PortalKit.Wait);
        Assert.Contains("non alphanumeric", cut.Find("#user-create-errors").TextContent);
        Assert.Equal(email, cut.Find("input#user-new-email").GetAttribute("value"));
        Assert.Null(await FindAsync(email));
        Assert.Empty(await Host.AuditAsync(email));
    }

    [Fact]
    public void A_manager_is_refused_the_page_and_sees_no_users()
    {
        SignInAs(Roles.Manager);

        var cut = RenderPage<UserList>();

        cut.WaitForElement("#users-refused", PortalKit.Wait);
        Assert.Empty(cut.FindAll("#users-table"));
        Assert.Empty(cut.FindAll("#user-new"));
        Assert.Contains("Only admins may do this.", cut.Markup);
    }

    [Fact]
    public async Task Creating_after_the_role_became_manager_is_refused_and_creates_nobody()
    {
        var email = $"{TestWorkspace.Unique("sneaky")}@example.com";
        var cut = Open(email);
        cut.Find("#user-new").Click();
        cut.WaitForElement("input#user-new-email", PortalKit.Wait).Change(email);
        cut.Find("input#user-new-password").Change(StrongPassword);

        SignInAs(Roles.Manager);
        cut.Find("#user-create-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Only admins may do this.", cut.Markup), PortalKit.Wait);
        Assert.Null(await FindAsync(email));
        Assert.Empty(await Host.AuditAsync(email));
    }

    [Fact]
    public async Task An_admin_cannot_remove_their_own_admin_role()
    {
        var me = await SeedAsync(Roles.Admin, PortalKit.Admin);
        var cut = Open(PortalKit.Admin);
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("#users-table tbody tr"),
            r => r.TextContent.Contains(PortalKit.Admin) && r.QuerySelector(".mud-chip")!.TextContent.Trim() == "you"), PortalKit.Wait);

        cut.Find($"#user-manage-{me.Id}").Click();
        cut.Choose("user-role", Roles.Viewer);
        cut.Find("#user-role-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("you cannot remove your own Admin role", cut.Find("#user-manage-error").TextContent), PortalKit.Wait);
        Assert.Equal([Roles.Admin], await RolesOfAsync(PortalKit.Admin));
        Assert.DoesNotContain(await Host.AuditAsync(PortalKit.Admin), a => a.Action == "change role");
    }

    [Fact]
    public async Task An_admin_changes_a_users_role_and_resets_their_password()
    {
        var user = await SeedAsync(Roles.Viewer);
        var cut = Open(user.Email!);
        cut.WaitForAssertion(() => Assert.Equal([user.Email!], Emails(cut)), PortalKit.Wait);

        cut.Find($"#user-manage-{user.Id}").Click();
        cut.Choose("user-role", Roles.Manager);
        cut.Find("#user-role-save").Click();

        cut.WaitForAssertion(() => Assert.Contains($"{user.Email} is now Manager.", cut.Markup), PortalKit.Wait);
        Assert.Equal([Roles.Manager], await RolesOfAsync(user.Email!));
        cut.WaitForAssertion(() => Assert.Contains("Manager", cut.FindAll("#users-table tbody tr")[0].TextContent));

        cut.Find("input#user-password").Change("weak");
        cut.Find("#user-password-save").Click();
        cut.WaitForAssertion(() => Assert.Contains("Passwords must be at least 10 characters.", cut.Find("#user-password-errors").TextContent), PortalKit.Wait);

        cut.Find("input#user-password").Change("N3w!Password-2");
        cut.Find("#user-password-save").Click();

        cut.WaitForAssertion(() => Assert.Contains($"Password of {user.Email} reset.", cut.Markup), PortalKit.Wait);
        Assert.True(await WithUsersAsync(async users => await users.CheckPasswordAsync((await users.FindByIdAsync(user.Id))!, "N3w!Password-2")));
        var audit = await Host.AuditAsync(user.Email!);
        Assert.Equal(["change role", "reset password"], audit.Select(a => a.Action));
        Assert.All(audit, a => Assert.Equal(PortalKit.Admin, a.Actor));
    }

    [Fact]
    public async Task An_admin_locks_and_unlocks_a_user()
    {
        var user = await SeedAsync(Roles.Manager);
        var cut = Open(user.Email!);
        cut.WaitForAssertion(() => Assert.Equal([user.Email!], Emails(cut)), PortalKit.Wait);
        cut.Find($"#user-manage-{user.Id}").Click();

        cut.WaitForElement("#user-lock", PortalKit.Wait).Click();

        cut.WaitForAssertion(() => Assert.Contains("locked", cut.FindAll("#users-table tbody tr")[0].TextContent), PortalKit.Wait);
        Assert.True(await WithUsersAsync(async users => await users.IsLockedOutAsync((await users.FindByIdAsync(user.Id))!)));

        cut.WaitForElement("#user-unlock", PortalKit.Wait).Click();

        cut.WaitForAssertion(() => Assert.Contains("active", cut.FindAll("#users-table tbody tr")[0].TextContent), PortalKit.Wait);
        Assert.False(await WithUsersAsync(async users => await users.IsLockedOutAsync((await users.FindByIdAsync(user.Id))!)));
        Assert.Equal(["lock", "unlock"], (await Host.AuditAsync(user.Email!)).Select(a => a.Action));
    }
}
