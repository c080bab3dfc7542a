using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using System.Collections.Concurrent;
using LeadHub.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LeadHub.Tests.Storage;

// A host whose Data Protection key ring is protected by a certificate from configuration
// (LeadHub:DataProtection:CertificatePath + CertificatePassword), made here, self-signed.
public class CertificateKeyRingHost : LeadHubFactory
{
    public const string CertificatePassword = "pfx-pass-123";
    public string CertificatePath { get; } = Path.Combine(Path.GetTempPath(), $"leadhub-keyring-{Guid.NewGuid():N}.pfx");

    public CertificateKeyRingHost()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=LeadHub key ring test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        File.WriteAllBytes(CertificatePath, certificate.Export(X509ContentType.Pfx, CertificatePassword));
    }

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("LeadHub:DataProtection:CertificatePath", CertificatePath),
        new("LeadHub:DataProtection:CertificatePassword", CertificatePassword),
    ];

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(CertificatePath);
    }
}

public sealed class KeyRingProtectionTests(CertificateKeyRingHost host) : IClassFixture<CertificateKeyRingHost>
{
    [Fact]
    public async Task With_a_certificate_configured_the_stored_key_ring_is_encrypted_and_buyer_credentials_still_work()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("kr"));
        Assert.Empty(await host.Workspace().ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Buyers =
            [
                TestWorkspace.Buyer("kr-acme", TestWorkspace.PingPost("kr-acme-c", campaign.Key, "http://127.0.0.1:9/ping", "http://127.0.0.1:9/post") with
                {
                    Format = new BuyerFormat { Auth = new BuyerAuth { Type = AuthTypes.Basic, Username = "acme", Password = password } },
                }),
            ],
        }));

        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var keys = await db.DataProtectionKeys.AsNoTracking().ToListAsync();
        Assert.NotEmpty(keys);
        Assert.All(keys, k =>
        {
            // Unprotected, the key's secret is a plain <masterKey><value>base64</value>; protected, only EncryptedData.
            Assert.Contains("EncryptedData", k.Xml);
            Assert.DoesNotContain("<value>", k.Xml);
        });
        var contract = host.Services.GetRequiredService<RoutingSnapshotHolder>().Current.Contracts["kr-acme-c"];
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:9/ping");
        contract.Format!.Authorize(request);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("acme:" + password)), request.Headers.GetValues("Authorization").Single());
    }
}

// Collects start-up log lines of a host.
public sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() { }

    private sealed class Logger(LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture.Lines.Enqueue((logLevel, formatter(state, exception)));
    }
}

public sealed class LoggedHost : LeadHubFactory
{
    public LogCapture Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(l => l.AddProvider(Logs));
    }
}

public sealed class LoggedCertificateHost : CertificateKeyRingHost
{
    public LogCapture Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(l => l.AddProvider(Logs));
    }
}

public sealed class KeyRingStartupWarningTests
{
    private static bool Warned(LogCapture logs) =>
        logs.Lines.Any(l => l.Level == LogLevel.Warning && l.Message.Contains("UNENCRYPTED") && l.Message.Contains("LeadHub:DataProtection:CertificatePath"));

    [Fact]
    public async Task Start_up_warns_when_the_key_ring_is_stored_unencrypted()
    {
        await using var host = new LoggedHost();
        using var _ = host.CreateClient();

        Assert.True(Warned(host.Logs), "no start-up warning about the unencrypted key ring");
    }

    [Fact]
    public async Task Start_up_names_the_certificate_and_does_not_warn_when_one_is_configured()
    {
        await using var host = new LoggedCertificateHost();
        using var _ = host.CreateClient();

        Assert.False(Warned(host.Logs));
        Assert.Contains(host.Logs.Lines, l => l.Message.Contains("Data Protection keys are encrypted with certificate"));
    }
}
