using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Storage;

// A host whose Data Protection key ring is protected by a certificate from configuration
// (LeadHub:DataProtection:CertificatePath + CertificatePassword), made here, self-signed.
public sealed class CertificateKeyRingHost : LeadHubFactory
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
