using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using LeadHub.Core.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Suppression;

// Suppression entries are HMAC-SHA-256 of the normalised value (E.164 phone, lower-case email:
// the dedupe keys' form), keyed with a random 32-byte key of this installation. A plain SHA-256
// of a phone number is reversed by hashing all ten-digit numbers in minutes; without the key a
// leaked table reveals nothing. The key is stored protected with Data Protection (the key ring
// that protects buyer credentials), so every node reads the same one; losing the key ring means
// uploading the lists again.
public sealed class SuppressionHasher(IDbContextFactory<LeadHubDbContext> dbFactory, IDataProtectionProvider dataProtection)
{
    private const string Purpose = "LeadHub.Suppression.Key.v1";
    private readonly IDataProtector _protector = dataProtection.CreateProtector(Purpose);
    private volatile byte[]? _key;

    public bool IsReady => _key is not null;

    public async Task EnsureKeyAsync(CancellationToken ct = default)
    {
        if (_key is not null) return;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.SuppressionKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == 1, ct);
        if (row is null)
        {
            try
            {
                db.SuppressionKeys.Add(new SuppressionKeyRow { Id = 1, ProtectedKey = _protector.Protect(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))) });
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Another node created it first: use that one.
            }
            await using var again = await dbFactory.CreateDbContextAsync(ct);
            row = await again.SuppressionKeys.AsNoTracking().FirstAsync(k => k.Id == 1, ct);
        }
        _key = Convert.FromBase64String(_protector.Unprotect(row.ProtectedKey));
    }

    // The stored form of a normalised value.
    public byte[] Hash(string normalised)
    {
        var key = _key ?? throw new InvalidOperationException("The suppression key is not loaded yet.");
        return HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(normalised));
    }

    // What the in-memory index keeps of a hash: its first 8 bytes (see SuppressionIndex).
    public static ulong Short(ReadOnlySpan<byte> hash) => BinaryPrimitives.ReadUInt64BigEndian(hash);

    public ulong ShortHash(string normalised)
    {
        var key = _key ?? throw new InvalidOperationException("The suppression key is not loaded yet.");
        Span<byte> hash = stackalloc byte[32];
        var bytes = Encoding.UTF8.GetBytes(normalised);
        HMACSHA256.HashData(key, bytes, hash);
        return Short(hash);
    }
}
