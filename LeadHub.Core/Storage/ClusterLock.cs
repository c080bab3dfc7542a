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
    // write lock already serialises every writer: nothing to take, so no keys.
    public static long[] KeysFor(LeadHubDbContext db, IEnumerable<string> keys) =>
        db.Database.IsNpgsql() ? keys.Select(Hash).Distinct().Order().ToArray() : [];

    // The statement that takes them, for a caller that sends it ahead of its first read under the
    // lock in one round trip (the lead writer's dedupe read); `@lock` is the keys, as KeysFor gives them.
    public const string Statement = "SELECT pg_advisory_xact_lock(k) FROM unnest(@lock) WITH ORDINALITY AS t(k, i) ORDER BY i";

    public static Task TakeAsync(LeadHubDbContext db, IEnumerable<string> keys) => TakeAsync(db, KeysFor(db, keys));

    public static async Task TakeAsync(LeadHubDbContext db, long[] keys)
    {
        if (keys.Length == 0) return;
        await db.Database.ExecuteSqlRawAsync(Statement, new Npgsql.NpgsqlParameter("lock", keys));
    }

    private static long Hash(string key) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(key)), 0);
}
