using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace LeadHub.Core.Lab;

// Which plan routes a lead in a live split: A (the campaign as configured) or B (the split's
// plan). Decided by a hash of the lead's id and the split's id, not by a random draw, so a lead
// keeps its arm wherever and however often it is routed (a restart, recovery, another node),
// and a new split reshuffles leads instead of reusing the last split's B group.
public static class SplitArms
{
    public const string A = "A", B = "B";

    public static string Of(Guid leadId, string splitId, decimal shareOfB)
    {
        if (shareOfB <= 0m) return A;
        if (shareOfB >= 1m) return B;
        Span<byte> key = stackalloc byte[16 + Encoding.UTF8.GetMaxByteCount(splitId.Length)];
        leadId.TryWriteBytes(key);
        var length = 16 + Encoding.UTF8.GetBytes(splitId, key[16..]);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(key[..length], digest);
        var hash = BinaryPrimitives.ReadUInt64BigEndian(digest);
        // The top 53 bits as a fraction in [0, 1): uniform, and exact in a double.
        var position = (hash >> 11) * (1.0 / (1UL << 53));
        return position < (double)shareOfB ? B : A;
    }
}
