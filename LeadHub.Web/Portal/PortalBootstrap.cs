using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace LeadHub.Web.Portal;

// Roles exist, and on the very first start so does one admin: from configuration, or with a
// generated password printed once to the console. No password ships in the repository.
public sealed class PortalBootstrap(
    UserManager<IdentityUser> users,
    RoleManager<IdentityRole> roles,
    IConfiguration config,
    ILogger<PortalBootstrap> log)
{
    public const string DefaultAdminEmail = "admin@leadhub.local";

    public async Task InitializeAsync()
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role)) await roles.CreateAsync(new IdentityRole(role));
        }
        if (users.Users.Any()) return;

        var email = config["LeadHub:Portal:AdminEmail"] is { Length: > 0 } e ? e : DefaultAdminEmail;
        var configured = config["LeadHub:Portal:AdminPassword"];
        var password = configured is { Length: > 0 } ? configured : GeneratePassword();
        var admin = new IdentityUser { UserName = email, Email = email, EmailConfirmed = true };
        var created = await users.CreateAsync(admin, password);
        if (!created.Succeeded)
            throw new InvalidOperationException("Could not create the first admin: " + string.Join("; ", created.Errors.Select(x => x.Description)));
        await users.AddToRoleAsync(admin, Roles.Admin);
        log.LogWarning("Created the first portal admin {Email}", email);
        if (configured is not { Length: > 0 })
        {
            // Straight to the console, once: it is not stored anywhere in clear.
            Console.WriteLine($"First portal admin: {email}  password: {password}  (shown once; change it after signing in)");
        }
    }

    private static string GeneratePassword() =>
        "Lh-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('/', 'x').Replace('+', 'y') + "9!";
}
