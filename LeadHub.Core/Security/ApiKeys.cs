using System.Security.Cryptography;
using System.Text;

namespace LeadHub.Core.Security;

// API keys are long random secrets, so a plain SHA-256 is enough to keep them out of the
// database (no salt or slow hash needed, unlike passwords), and lookups stay O(1).
public static class ApiKeys
{
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    // Constant-time comparison of a presented secret with a stored hash.
    public static bool Matches(string presented, string storedHash)
    {
        Span<byte> actual = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), actual);
        Span<byte> expected = stackalloc byte[32];
        return Convert.FromHexString(storedHash, expected, out _, out var written) == System.Buffers.OperationStatus.Done
               && written == 32
               && CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    public static string NewKey() => "lh_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
}
