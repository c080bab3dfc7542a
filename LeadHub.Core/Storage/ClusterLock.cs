using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Storage;

// Serialises writes about the same thing (one person in a campaign, one Idempotency-Key) across
// every node on the database, for the rest of the caller's transaction; writes about different
// things never wait for each other.
public static class ClusterLock
{
    // On PostgreSQL: transaction-scoped advisory locks on 64-bit hashes of the keys, taken in
    // sorted order so two transactions never deadlock. On SQLite (one node) the database's single
    // write lock already serialises every writer: nothing to do.
    public static async Task TakeAsync(LeadHubDbContext db, IEnumerable<string> keys)
    {
        if (!db.Database.IsNpgsql()) return;
        var hashes = keys.Select(Hash).Distinct().Order().ToArray();
        if (hashes.Length == 0) return;
        await db.Database.ExecuteSqlAsync(
            $"SELECT pg_advisory_xact_lock(k) FROM unnest({hashes}) WITH ORDINALITY AS t(k, i) ORDER BY i");
    }

    private static long Hash(string key) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(key)), 0);
}
