using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Storage;

public static class ClusterLock
{
    // Storing new leads: dedupe and Idempotency-Key checks must see every node's stored leads.
    public const string Intake = "intake";

    // Holds the named lock until the caller's transaction ends: an UPDATE of its row waits for
    // any other transaction (on any node) that holds it. On SQLite the transaction's write
    // lock already serialises writers; the update only costs a local write.
    public static Task TakeAsync(LeadHubDbContext db, string name, DateTimeOffset now) =>
        db.ClusterLocks.Where(l => l.Name == name).ExecuteUpdateAsync(s => s.SetProperty(l => l.TakenAt, now));
}
