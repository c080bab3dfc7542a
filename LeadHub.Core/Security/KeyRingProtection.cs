using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;

namespace LeadHub.Core.Security;

// The Data Protection key ring encrypts buyer credentials and lives in the same database. Keys
// stored in clear would let anyone with a database copy decrypt those credentials, so the key
// ring itself is encrypted with a certificate from configuration:
//   LeadHub:DataProtection:CertificatePath (+ CertificatePassword): a PKCS#12 (.pfx) file, or
//   LeadHub:DataProtection:CertificateThumbprint: a certificate in the CurrentUser or LocalMachine "My" store;
//   LeadHub:DataProtection:PreviousCertificatePaths: old .pfx files (same password) still able to read older keys.
// Without one, LeadHub runs but warns at start-up (KeyRingStatus).
public static class KeyRingProtection
{
    public const string Section = "LeadHub:DataProtection";

    public static KeyRingStatus Configure(IDataProtectionBuilder builder, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var certificate = Load(section);
        if (certificate is null) return new KeyRingStatus(null);
        if (!certificate.HasPrivateKey)
            throw new InvalidOperationException($"{Section}: certificate {certificate.Thumbprint} has no private key; stored keys could not be read back.");
        var previous = (section["PreviousCertificatePaths"] ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(path => X509CertificateLoader.LoadPkcs12FromFile(path, section["CertificatePassword"]));
        builder.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate([certificate, .. previous]);
        return new KeyRingStatus(certificate.Thumbprint);
    }

    private static X509Certificate2? Load(IConfigurationSection section)
    {
        if (section["CertificatePath"] is { Length: > 0 } path)
        {
            if (!File.Exists(path)) throw new InvalidOperationException($"{Section}:CertificatePath: there is no file {path}.");
            return X509CertificateLoader.LoadPkcs12FromFile(path, section["CertificatePassword"]);
        }
        if (section["CertificateThumbprint"] is not { Length: > 0 } thumbprint) return null;
        foreach (var location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
        {
            using var store = new X509Store(StoreName.My, location);
            store.Open(OpenFlags.ReadOnly);
            if (store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, validOnly: false) is [var found, ..]) return found;
        }
        throw new InvalidOperationException($"{Section}:CertificateThumbprint: no certificate {thumbprint} in the CurrentUser or LocalMachine 'My' store.");
    }
}

// Null thumbprint: the key ring is stored unencrypted (LeadHubStartup logs a warning).
public sealed record KeyRingStatus(string? CertificateThumbprint);
