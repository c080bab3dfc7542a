using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LeadHub.Core.Routing;

// Several nodes on one database: the CapCounters rows are the arbiter. A reservation is one
// conditional upsert per cap, all in one transaction and one round trip, so two nodes racing
// for the last slot cannot both get it (the row lock orders them; the second sees the count the
// first committed). Keys are taken in sorted order, so two reservations never deadlock.
public sealed class DatabaseCapLedger(IDbContextFactory<LeadHubDbContext> dbFactory, ILogger<DatabaseCapLedger> log) : ICapLedger
{
    // What this node last learned of each counter: lets it stop pinging a buyer whose cap is
    // full. Trusted briefly only, because another node may release a slot at any time; the
    // reservation itself never relies on it.
    private static readonly TimeSpan TrustFor = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, (int Count, decimal Amount, DateTimeOffset At)> _seen = new();

    public string? Reached(ContractSnapshot contract, DateTimeOffset now)
    {
        foreach (var limit in CapPeriods.ForContract(contract, now))
        {
            if (!_seen.TryGetValue(limit.Key, out var c) || now - c.At > TrustFor) continue;
            if (limit.IsFull(c.Count, c.Amount)) return limit.Describe();
        }
        return null;
    }

    public async ValueTask<CapReservation?> TryReserveAsync(ContractSnapshot contract, decimal price, DateTimeOffset now)
    {
        var limits = CapPeriods.ForContract(contract, now).OrderBy(l => l.Key, StringComparer.Ordinal).ToList();
        if (limits.Count == 0) return new CapReservation(limits, price);
        // A cap of 0, or a budget smaller than this one sale, is full without asking.
        if (limits.Any(l => l.MaxCount < 1 || l.MaxAmount < price)) return null;

        await using var db = await dbFactory.CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        await using var tx = await connection.BeginTransactionAsync();
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        var sql = new System.Text.StringBuilder();
        Add(cmd, "@price", price);
        Add(cmd, "@now", now.ToUniversalTime());
        for (var i = 0; i < limits.Count; i++)
        {
            var limit = limits[i];
            Add(cmd, $"@k{i}", limit.Key);
            var conditions = new List<string>();
            if (limit.MaxCount is { } max)
            {
                Add(cmd, $"@max{i}", max);
                conditions.Add($"\"CapCounters\".\"Count\" < @max{i}");
            }
            if (limit.MaxAmount is { } budget)
            {
                Add(cmd, $"@budget{i}", budget);
                conditions.Add($"\"CapCounters\".\"Amount\" + @price <= @budget{i}");
            }
            sql.Append(CultureInfo.InvariantCulture, $"""
                INSERT INTO "CapCounters" ("Key", "Count", "Amount", "UpdatedAt") VALUES (@k{i}, 1, @price, @now)
                ON CONFLICT ("Key") DO UPDATE SET "Count" = "CapCounters"."Count" + 1,
                    "Amount" = "CapCounters"."Amount" + @price, "UpdatedAt" = @now
                WHERE {string.Join(" AND ", conditions.DefaultIfEmpty("TRUE"))}
                RETURNING "Key", "Count", "Amount";
                """);
        }
        cmd.CommandText = sql.ToString();

        var counters = new List<(string Key, int Count, decimal Amount)>(limits.Count);
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            do
            {
                while (await reader.ReadAsync()) counters.Add((reader.GetString(0), reader.GetInt32(1), reader.GetDecimal(2)));
            } while (await reader.NextResultAsync());
        }
        if (counters.Count < limits.Count)
        {
            await tx.RollbackAsync();
            // Remember which cap is full so the next leads do not ping this buyer for nothing.
            var full = limits.Where(l => l.MaxCount is not null && counters.All(c => c.Key != l.Key));
            foreach (var limit in full) _seen[limit.Key] = (limit.MaxCount!.Value, 0, now);
            return null;
        }
        await tx.CommitAsync();
        foreach (var c in counters) _seen[c.Key] = (c.Count, c.Amount, now);
        return new CapReservation(limits, price);
    }

    public async ValueTask<IReadOnlyDictionary<string, CapIncrement>> ReadAsync(IReadOnlyCollection<string> keys, CancellationToken ct = default)
    {
        if (keys.Count == 0) return new Dictionary<string, CapIncrement>();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.CapCounters.AsNoTracking().Where(c => keys.Contains(c.Key)).ToListAsync(ct);
        return rows.ToDictionary(r => r.Key, r => new CapIncrement(r.Key, r.Count, r.Amount));
    }

    // Already in the database since the reservation: nothing left for the finish write.
    public IReadOnlyList<CapIncrement> Commit(CapReservation reservation) => [];

    public async ValueTask ReleaseAsync(CapReservation reservation)
    {
        if (reservation.Limits.Count == 0) return;
        try
        {
            await ReleaseInDatabaseAsync(reservation);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException)
        {
            // The lead goes on to the next offer: a slot left taken undersells the cap until its period
            // ends, which is better than failing a lead that can still be sold.
            log.LogError(e, "Could not give back a cap slot of {Keys}", string.Join(", ", reservation.Limits.Select(l => l.Key)));
        }
        foreach (var limit in reservation.Limits) _seen.TryRemove(limit.Key, out _);
    }

    private async Task ReleaseInDatabaseAsync(CapReservation reservation)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        Add(cmd, "@price", reservation.Amount);
        var sql = new System.Text.StringBuilder();
        for (var i = 0; i < reservation.Limits.Count; i++)
        {
            Add(cmd, $"@k{i}", reservation.Limits[i].Key);
            sql.Append(CultureInfo.InvariantCulture,
                $"UPDATE \"CapCounters\" SET \"Count\" = \"Count\" - 1, \"Amount\" = \"Amount\" - @price WHERE \"Key\" = @k{i};");
        }
        cmd.CommandText = sql.ToString();
        await cmd.ExecuteNonQueryAsync();
    }

    // Every node reads the counters from the database at reservation time: nothing to preload.
    public void Seed(IEnumerable<CapIncrement> persisted) { }

    private static void Add(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }
}
