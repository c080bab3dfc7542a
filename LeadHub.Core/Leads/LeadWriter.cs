using System.Threading.Channels;
using LeadHub.Core.Kpis;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeadHub.Core.Leads;

public enum ReceiveOutcome { Stored, Duplicate, Replay }

public sealed record ReceiveResult(ReceiveOutcome Outcome, LeadRow Lead);

// The lead's final state: written with its trace rows and cap counters in one transaction.
public sealed record LeadFinish(
    Guid LeadId,
    string Status,
    decimal? Price,
    string? BuyerKey,
    string? ContractKey,
    decimal Payout,
    string? Reason,
    DateTimeOffset FinishedAt,
    IReadOnlyList<TraceStep> Trace,
    IReadOnlyList<CapIncrement> CapIncrements,
    int FirstSeq = 0,
    KpiLead? Kpi = null)
{
    // A shared lead's sales, one per buyer (README "Shared leads"); null for an exclusive sale,
    // which is the lead row alone.
    public IReadOnlyList<LeadSaleRow>? Sales { get; init; }
}

// Every lead costs two writes (stored before routing, final before answering). One writer
// drains all pending writes into one transaction (group commit), so a thousand leads a second
// are a few dozen transactions, not two thousand; each caller still awaits its own write.
public sealed class LeadWriter(IDbContextFactory<LeadHubDbContext> dbFactory, CrashPoints crash, SqliteCheckpoints checkpoints, ILogger<LeadWriter> log)
    : BackgroundService
{
    private const int MaxBatch = 256;
    private readonly Channel<Op> _ops = Channel.CreateUnbounded<Op>(new UnboundedChannelOptions { SingleReader = true });

    private abstract record Op
    {
        public abstract void Fail(Exception e);
    }

    private sealed record ReceiveOp(NewLead Lead, DateTimeOffset? DedupeSince, TaskCompletionSource<ReceiveResult> Done) : Op
    {
        public override void Fail(Exception e) => Done.TrySetException(e);
    }

    private sealed record FinishOp(LeadFinish Finish, TaskCompletionSource Done) : Op
    {
        public override void Fail(Exception e) => Done.TrySetException(e);
    }

    private sealed record IntentOp(PostIntentRow Intent, TaskCompletionSource Done) : Op
    {
        public override void Fail(Exception e) => Done.TrySetException(e);
    }

    // Nobody waits for an outcome; a failed one leaves its intent open, which recovery treats as unknown.
    private sealed record OutcomeOp(Guid LeadId, int Seq, string Outcome) : Op
    {
        public override void Fail(Exception e) { }
    }

    // Stores a new lead. A valid lead (DedupeSince set) whose phone or email was already seen in
    // its campaign since then is stored as a duplicate; a repeated Idempotency-Key returns the first lead.
    public Task<ReceiveResult> ReceiveAsync(NewLead lead, DateTimeOffset? dedupeSince)
    {
        var done = new TaskCompletionSource<ReceiveResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new ReceiveOp(lead, dedupeSince, done));
        return done.Task;
    }

    // Raised after a new lead is committed (routing, invalid or duplicate; not a replay).
    public event Action<LeadRow>? Received;

    // Raised after a lead's final state is committed (sold, unsold): the hook for live views.
    public event Action<LeadFinish>? Finished;

    public Task FinishAsync(LeadFinish finish)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new FinishOp(finish, done));
        return done.Task;
    }

    // The intent to post (see PostJournal): committed, in the next group commit, before the post leaves.
    public Task IntendAsync(PostIntentRow intent)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new IntentOp(intent, done));
        return done.Task;
    }

    // A post's outcome other than accepted; queued, committed before anything queued after it.
    public void Answered(Guid leadId, int seq, string outcome) => Enqueue(new OutcomeOp(leadId, seq, outcome));

    private void Enqueue(Op op)
    {
        if (!_ops.Writer.TryWrite(op)) op.Fail(new InvalidOperationException("LeadHub is shutting down"));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Op>(MaxBatch);
        // SQLite: one node writes its database, so the keys of every lead it stores can be known here.
        if (!IsPostgres()) _ = _seen.StartFill();
        try
        {
            // Drain what is queued even after stop is requested, so answered leads are never lost.
            while (await _ops.Reader.WaitToReadAsync(CancellationToken.None))
            {
                while (batch.Count < MaxBatch && _ops.Reader.TryRead(out var op)) batch.Add(op);
                await WriteBatchAsync(batch);
                batch.Clear();
                // Between two batches the writer is sure to be out of a transaction (SQLite's WAL bound).
                if (checkpoints.RestartWanted && _db is not null) await checkpoints.RestartOnWriterAsync(_db);
                if (stoppingToken.IsCancellationRequested && !_ops.Reader.TryPeek(out _)) break;
            }
        }
        finally
        {
            await DropConnectionAsync();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _ops.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
        await _readers.DisposeAsync();
    }

    // The writer's own context, its connection open from one batch to the next with the batch's
    // statements kept prepared: at one lead at a time a batch cost a context and a connection from
    // the pools and SQLite compiling each statement again (`--writer`: final write p50 0.52 ->
    // 0.41 ms). Only the writer's loop uses it. A failed batch drops it, so the next starts on a
    // fresh connection; so does every 500th batch, so whatever a connection gathers over its life
    // (the provider's command list, SQLite's caches) stays bounded, for a handful of statements
    // compiled again.
    private LeadHubDbContext? _db;
    private readonly PreparedStatements _statements = new();

    // The dedupe read's connections (SeenBeforeAsync), kept the same way for the read before the pings.
    private readonly KeptConnections _readers = new(dbFactory);

    // The keys stored so far (SQLite only), so the read before the pings runs only for a lead that may repeat one.
    private readonly SeenKeys _seen = new(dbFactory, log);

    // Done once the keys stored before this node started are known (never on PostgreSQL).
    public Task StoredKeysLoaded => _seen.Loaded;

    // Whether a lead's write is queued before its dedupe read before the pings, so the two run side
    // by side: where the database is a network hop away (PostgreSQL) both are waits on it, and the
    // read no longer adds a round trip to the path. On SQLite both are this node's own CPU, so the
    // read goes first (overlapping them measured no gain, results/2026-12-05-evening-pg-round-trips/).
    public bool WritesBesideRead => _writesBesideRead ??= IsPostgres();
    private bool? _writesBesideRead;

    private bool IsPostgres()
    {
        using var db = dbFactory.CreateDbContext();
        return db.Database.IsNpgsql();
    }
    private int _batchesOnConnection;
    private const int BatchesPerConnection = 500;

    private async Task<List<Action>> WriteAsync(List<Op> batch)
    {
        try
        {
            if (batch.Any(op => op is ReceiveOp)) await crash.HoldReceiveAsync();
            if (_db is not null && ++_batchesOnConnection % BatchesPerConnection == 0) await DropConnectionAsync();
            if (_db is null)
            {
                _db = await dbFactory.CreateDbContextAsync();
                await _db.Database.OpenConnectionAsync();
            }
            return await WriteAsync(_db, batch, _statements);
        }
        catch
        {
            await DropConnectionAsync();
            throw;
        }
    }

    private async Task DropConnectionAsync()
    {
        _statements.Dispose();
        if (_db is not null) await _db.DisposeAsync();
        _db = null;
    }

    private async Task WriteBatchAsync(List<Op> batch, int attemptsLeft = 3)
    {
        try
        {
            var completions = await WriteAsync(batch);
            foreach (var complete in completions) complete();
        }
        catch (Exception e) when (batch.Count > 1)
        {
            // One bad write must not fail its neighbours: retry each alone.
            log.LogWarning(e, "Batch of {Count} lead writes failed; retrying one by one", batch.Count);
            foreach (var op in batch) await WriteBatchAsync([op]);
        }
        catch (Exception e) when (attemptsLeft > 1)
        {
            // Writes of several nodes can still collide: the database broke a deadlock by failing
            // this transaction, or another node committed a unique key first. The next attempt
            // reads what that node wrote.
            log.LogWarning(e, "Lead write failed; trying again");
            await WriteBatchAsync(batch, attemptsLeft - 1);
        }
        catch (Exception e)
        {
            log.LogError(e, "Lead write failed");
            batch[0].Fail(e);
        }
    }

    // The writer's real statements for one made-up sold lead, rolled back: run by the warm-up, so
    // the first real leads' writes run compiled code. Nothing is kept and nobody is told.
    public async Task RehearseAsync(DateTimeOffset now)
    {
        var id = Guid.CreateVersion7(now);
        var phone = "warm-up-" + id.ToString("N");
        var lead = new NewLead(id, "warm-up", "warm-up", null, null, "warm-up-" + id.ToString("N"), false, LeadStatus.Routing, "{}", null,
            phone, phone, now, null, null, null);
        var step = new TraceStep(TraceKinds.Post, "warm-up", "warm-up", null, TraceOutcomes.Accepted, null, 1m, null, 1, now);
        await using var db = await dbFactory.CreateDbContextAsync();
        await WriteAsync(db, [
            new ReceiveOp(lead, now.AddDays(-1), new TaskCompletionSource<ReceiveResult>()),
            new IntentOp(new PostIntentRow { LeadId = id, Seq = 0, BuyerKey = "warm-up", ContractKey = "warm-up", Price = 1m, At = now }, new TaskCompletionSource()),
            new OutcomeOp(id, 0, TraceOutcomes.Rejected),
            new FinishOp(new LeadFinish(id, LeadStatus.Sold, 1m, "warm-up", "warm-up", 0.5m, null, now,
                [step with { Kind = TraceKinds.Ping, Outcome = TraceOutcomes.Bid, Bid = 1m, Price = null }, step, step with { Outcome = TraceOutcomes.Rejected }],
                [new CapIncrement("warm-up|" + id.ToString("N"), 1, 1m)], FirstSeq: 1, Kpi: lead.Routed.Kpi with { Test = false })
                {
                    // A shared lead's sale rows too, so the first shared sale runs compiled code as well.
                    Sales = [new LeadSaleRow { LeadId = id, BuyerKey = "warm-up", ContractKey = "warm-up", Price = 1m, Payout = 0.5m, SoldAt = now }],
                }, new TaskCompletionSource()),
        ], statements: null, commit: false);
    }

    private async Task<List<Action>> WriteAsync(LeadHubDbContext db, List<Op> batch, PreparedStatements? statements, bool commit = true)
    {
        await using var tx = await db.Database.BeginTransactionAsync();
        var receives = batch.OfType<ReceiveOp>().ToList();
        var completions = new List<Action>(batch.Count);
        var rows = new BatchRows();
        var seenInBatch = new HashSet<string>();
        var rollups = new KpiRollups();
        var finishes = new List<LeadFinish>();

        // Two nodes storing the same person (or the same Idempotency-Key) at once: the second
        // waits for the lock until the first committed, and then sees its lead in what is known.
        // On SQLite a batch none of whose leads may repeat a key stored before (SeenKeys: every
        // commit before this one was added to it) has nothing to read; a rehearsal reads anyway, to
        // compile the read.
        var known = commit && receives.TrueForAll(r => !_seen.MayHold(r.Lead, r.DedupeSince))
            ? Known.Nothing
            : await KnownAsync(db, receives, locks: ClusterLock.KeysFor(db, receives.SelectMany(LockKeys)));
        foreach (var op in batch)
        {
            switch (op)
            {
                case ReceiveOp r:
                    var result = ReceiveIn(rows, r, known, seenInBatch);
                    if (result.Outcome != ReceiveOutcome.Replay) rollups.AddReceived(result.Lead);
                    completions.Add(() =>
                    {
                        r.Done.TrySetResult(result);
                        if (result.Outcome != ReceiveOutcome.Replay) Raise(Received, result.Lead);
                    });
                    break;
                case IntentOp i:
                    rows.Intents.Add(i.Intent);
                    completions.Add(() => i.Done.TrySetResult());
                    break;
                case OutcomeOp o:
                    rows.Outcomes.Add(new PostIntentRow { LeadId = o.LeadId, Seq = o.Seq, Outcome = o.Outcome });
                    break;
                case FinishOp f:
                    FinishIn(rows, f.Finish);
                    finishes.Add(f.Finish);
                    completions.Add(() =>
                    {
                        f.Done.TrySetResult();
                        Raise(Finished, f.Finish);
                    });
                    break;
            }
        }

        if (finishes.Count > 0) await AddFinishedAsync(db, finishes, rollups);
        // On PostgreSQL every table's statement and the rollups go in one round trip.
        var bulk = new BulkRows(db, deferred: true, statements);
        await rows.WriteAsync(bulk);
        // Last before the commit: every node updates the same few KPI rows, and a row stays
        // locked from its update to the commit.
        await rollups.ApplyAsync(bulk);
        // On PostgreSQL the COMMIT goes in the rows' round trip: a batch without new leads (nothing to
        // read under the lock) is then one round trip in all, BEGIN to COMMIT. The commit's time
        // reported there is that whole round trip.
        var commitStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!commit || !await bulk.FlushAndCommitAsync())
        {
            await bulk.FlushAsync();
            commitStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            if (commit) await tx.CommitAsync();
            else await tx.RollbackAsync();
        }
        if (commit)
        {
            Telemetry.LeadHubMetrics.WriterCommitted(batch.Count, System.Diagnostics.Stopwatch.GetElapsedTime(commitStarted));
            // Before anyone is told: a lead answered is one the next read before the pings may find.
            foreach (var lead in rows.NewLeads) _seen.Add(lead);
        }
        return completions;
    }

    // What one batch writes, by table; written in an order that keeps every constraint: an
    // Idempotency-Key is freed before a new lead takes it, a lead and an intent exist before their update.
    private sealed class BatchRows
    {
        public readonly List<LeadRow> FreedKeys = [], NewLeads = [], Finishes = [];
        public readonly List<PostIntentRow> Intents = [], Outcomes = [];
        public readonly List<LeadSaleRow> Sales = [];
        public readonly List<TraceStepRow> Steps = [];
        public readonly List<TracePingsRow> Pings = [];
        public readonly Dictionary<string, CapCounterRow> Caps = new(StringComparer.Ordinal);

        public async Task WriteAsync(BulkRows bulk)
        {
            await bulk.UpdateAsync(FreedKeys, [nameof(LeadRow.IdempotencyKey)]);
            await bulk.InsertAsync(NewLeads);
            await bulk.InsertAsync(Intents);
            await bulk.UpdateAsync(Finishes, FinishedColumns);
            await bulk.InsertAsync(Steps);
            await bulk.InsertAsync(Pings);
            await bulk.InsertAsync(Sales);
            await bulk.UpdateAsync(Outcomes, [nameof(PostIntentRow.Outcome)]);
            // Taken in one order on every node, so two nodes' batches wait for each other instead of deadlocking.
            await bulk.UpsertAddAsync(Caps.Values.OrderBy(c => c.Key, StringComparer.Ordinal).ToList(),
                [nameof(CapCounterRow.Count), nameof(CapCounterRow.Amount)]);
        }
    }

    private static readonly string[] FinishedColumns =
    [
        nameof(LeadRow.Status), nameof(LeadRow.Price), nameof(LeadRow.BuyerKey), nameof(LeadRow.ContractKey),
        nameof(LeadRow.Payout), nameof(LeadRow.Reason), nameof(LeadRow.FinishedAt), nameof(LeadRow.Owner),
    ];

    // A finish carries the outcome but not the lead's campaign, publisher or arrival: one
    // query by primary key for the whole batch fetches them.
    private static async Task AddFinishedAsync(LeadHubDbContext db, List<LeadFinish> finishes, KpiRollups rollups)
    {
        // Intake passes what the rollups need; only a finish without it costs a query by primary key.
        var missing = finishes.Where(f => f.Kpi is null).Select(f => f.LeadId).ToList();
        var leads = missing.Count == 0 ? [] : await db.Leads.AsNoTracking().Where(l => missing.Contains(l.Id))
            .Select(l => new { l.Id, Lead = new KpiLead(l.CampaignKey, l.PublisherKey, l.SubId, l.Test, l.ReceivedAt) })
            .ToDictionaryAsync(l => l.Id, l => l.Lead);
        foreach (var f in finishes)
        {
            if ((f.Kpi ?? leads.GetValueOrDefault(f.LeadId)) is { } lead) rollups.AddFinished(lead, f);
        }
    }

    // Runs after the commit: a subscriber that throws must not make a written batch look failed
    // (it would be written again).
    private void Raise<T>(Action<T>? handlers, T arg)
    {
        if (handlers is null) return;
        foreach (var handler in handlers.GetInvocationList().Cast<Action<T>>())
        {
            try { handler(arg); }
            catch (Exception e) { log.LogError(e, "A lead write subscriber failed"); }
        }
    }

    private static IEnumerable<string> LockKeys(ReceiveOp op)
    {
        var lead = op.Lead;
        if (lead.IdempotencyKey is not null) yield return $"idem|{lead.PublisherKey}|{lead.IdempotencyKey}";
        if (op.DedupeSince is null) yield break;
        if (lead.PhoneKey is not null) yield return $"phone|{lead.CampaignKey}|{lead.PhoneKey}";
        if (lead.EmailKey is not null) yield return $"email|{lead.CampaignKey}|{lead.EmailKey}";
    }

    // `locks`: the cluster lock's keys, taken before anything is read (PostgreSQL; none on SQLite and
    // for the read before the pings); they go in the read's round trip. `self`: the lead the read
    // before the pings is for, which never counts as seen before by its own row (on PostgreSQL that
    // read runs beside the lead's own write).
    private static async Task<Known> KnownAsync(LeadHubDbContext db, List<ReceiveOp> receives, PreparedStatements? statements = null,
        long[]? locks = null, Guid? self = null)
    {
        var hits = await SeenAsync(db, receives, statements, locks ?? []);
        if (self is not null) hits.RemoveAll(h => h.Id == self);
        if (hits.Count == 0) return Known.Nothing;
        var replays = new Dictionary<(string, string), LeadRow>();
        var firsts = hits.Where(h => h.Kind == HitKind.IdempotencyKey).Select(h => h.Id).ToList();
        // A repeated Idempotency-Key (a retry, or a key reused after its window) is rare: only then is
        // its first lead read whole, for its answer or to free its key.
        if (firsts.Count > 0)
            foreach (var row in await db.Leads.AsNoTracking().Where(l => firsts.Contains(l.Id)).ToListAsync())
                if (row.IdempotencyKey is not null) replays[(row.PublisherKey, row.IdempotencyKey)] = row;
        return new Known(replays,
            hits.Where(h => h.Kind == HitKind.Phone).ToLookup(h => (h.Scope, h.Key), h => (h.At, h.Test)),
            hits.Where(h => h.Kind == HitKind.Email).ToLookup(h => (h.Scope, h.Key), h => (h.At, h.Test)));
    }

    // One earlier lead that a new one may repeat. `Scope` is the campaign for a phone or email, the
    // publisher for an Idempotency-Key.
    private sealed record Hit(HitKind Kind, string Scope, string Key, DateTimeOffset At, bool Test, Guid Id);

    private enum HitKind { Email, Phone, IdempotencyKey }

    private readonly record struct ReadShape(int Campaigns, int Phones, int Emails, int Publishers, int Keys, bool Locked);

    // Earlier leads under the same Idempotency-Keys, and earlier valid leads with the same phones or
    // emails in the same campaigns: one hand-written statement (three index lookups, one round trip),
    // run before every ping. EF Core's LINQ with list parameters re-translated the query on every call
    // and cost more CPU than a lead's pings.
    // Only leads that passed validation count as the same person: a corrected resubmission of a
    // quarantined lead is routed; a key counts whatever its lead became, and at any age (a key older
    // than its window is freed by the write that reuses it).
    // `statements`: the command kept prepared on that connection, by its text; without it the command is
    // prepared for this call alone. The text depends only on how many campaigns, phones, emails,
    // publishers and keys are asked for (a lead alone: one of a few), so it is built once per shape.
    // With `locks`, the text starts with the cluster lock's statement: one round trip instead of two,
    // and PostgreSQL runs the read after the lock is granted, so it sees what its holder committed.
    private static async Task<List<Hit>> SeenAsync(LeadHubDbContext db, List<ReceiveOp> receives, PreparedStatements? statements,
        long[] locks)
    {
        var checkable = receives.Where(r => r.DedupeSince is not null).ToList();
        var keyed = receives.Where(r => r.Lead.IdempotencyKey is not null).ToList();
        var phones = Distinct(checkable, r => r.Lead.PhoneKey);
        var emails = Distinct(checkable, r => r.Lead.EmailKey);
        var campaigns = phones.Count + emails.Count > 0 ? Distinct(checkable, r => r.Lead.CampaignKey) : [];
        var publishers = Distinct(keyed, r => r.Lead.PublisherKey);
        var keys = Distinct(keyed, r => r.Lead.IdempotencyKey);
        if (campaigns.Count == 0 && keys.Count == 0)
        {
            await ClusterLock.TakeAsync(db, locks);
            return [];
        }
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open) await db.Database.OpenConnectionAsync();
        var shape = new ReadShape(campaigns.Count, phones.Count, emails.Count, publishers.Count, keys.Count, locks.Length > 0);
        // Kept for the first shapes seen (a lead alone has one of a few; a batch's depends on its size),
        // so a node that sees many batch shapes holds a bounded number of texts.
        var sql = SeenTexts.TryGetValue(shape, out var kept) ? kept : SeenTexts.Count < MaxSeenTexts ? SeenTexts.GetOrAdd(shape, SeenText) : SeenText(shape);
        // Times are stored as the model maps them (a number on SQLite): written and read through that mapping.
        var at = db.Model.FindEntityType(typeof(LeadRow))!.FindProperty(nameof(LeadRow.ReceivedAt))!.GetRelationalTypeMapping();
        var (command, parameters) = statements?.For(connection, sql, c => ParametersOf(c, at, shape))
            ?? New(connection, sql, at, shape);
        try
        {
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            var i = 0;
            if (campaigns.Count > 0)
            {
                var since = checkable.Min(r => r.DedupeSince!.Value);
                parameters[i++].Value = at.Converter?.ConvertToProvider(since) ?? since;
            }
            foreach (var value in campaigns.Concat(phones).Concat(emails).Concat(publishers).Concat(keys)) parameters[i++].Value = value;
            if (shape.Locked) parameters[i].Value = locks;
            var hits = new List<Hit>();
            await using var reader = await command.ExecuteReaderAsync();
            if (shape.Locked) await reader.NextResultAsync();
            while (await reader.ReadAsync())
                hits.Add(new Hit((HitKind)reader.GetInt32(0), reader.GetString(1), reader.GetString(2),
                    at.Converter is { } converter ? (DateTimeOffset)converter.ConvertFromProvider(reader.GetValue(3))! : reader.GetFieldValue<DateTimeOffset>(3),
                    reader.GetBoolean(4), reader.GetGuid(5)));
            return hits;
        }
        finally
        {
            if (statements is null) await command.DisposeAsync();
        }
    }

    private static List<string> Distinct(List<ReceiveOp> ops, Func<ReceiveOp, string?> key)
    {
        var keys = new List<string>(ops.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var op in ops)
            if (key(op) is { } value && seen.Add(value)) keys.Add(value);
        return keys;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ReadShape, string> SeenTexts = new();
    private const int MaxSeenTexts = 2048;

    // Parameters are named by their place: @since (only with phones or emails), @c0.. the campaigns,
    // @P0.. the phones, @E0.. the emails, @pub0.. the publishers, @key0.. the Idempotency-Keys (Npgsql
    // matches names ignoring case); @lock the cluster lock's keys when the text takes it first.
    private static string SeenText(ReadShape shape)
    {
        static string Names(string prefix, int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => $"@{prefix}{i}"));
        var parts = new List<string>();
        foreach (var (column, kind, count) in new[] { ("PhoneKey", HitKind.Phone, shape.Phones), ("EmailKey", HitKind.Email, shape.Emails) })
        {
            if (count == 0) continue;
            parts.Add($"""
                SELECT {(int)kind}, "CampaignKey", "{column}", "ReceivedAt", "Test", "Id" FROM "Leads"
                WHERE "CampaignKey" IN ({Names("c", shape.Campaigns)}) AND "{column}" IN ({Names(column[..1], count)})
                AND "ReceivedAt" >= @since AND "Status" <> '{LeadStatus.Invalid}' AND "Status" <> '{LeadStatus.Duplicate}'
                """);
        }
        if (shape.Keys > 0)
            parts.Add($"""
                SELECT {(int)HitKind.IdempotencyKey}, "PublisherKey", "IdempotencyKey", "ReceivedAt", "Test", "Id" FROM "Leads"
                WHERE "PublisherKey" IN ({Names("pub", shape.Publishers)}) AND "IdempotencyKey" IN ({Names("key", shape.Keys)})
                """);
        var read = string.Join("\nUNION ALL\n", parts);
        return shape.Locked ? ClusterLock.Statement + ";\n" + read : read;
    }

    private static (System.Data.Common.DbCommand, System.Data.Common.DbParameter[]) New(System.Data.Common.DbConnection connection, string sql,
        RelationalTypeMapping at, ReadShape shape)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return (command, ParametersOf(command, at, shape));
    }

    // In the order the text names them, then `@lock`; values are set for each use.
    private static System.Data.Common.DbParameter[] ParametersOf(System.Data.Common.DbCommand command, RelationalTypeMapping at, ReadShape shape)
    {
        var parameters = new List<System.Data.Common.DbParameter>();
        if (shape.Campaigns > 0) parameters.Add(at.CreateParameter(command, "@since", null));
        foreach (var (prefix, count) in new[] { ("c", shape.Campaigns), ("P", shape.Phones), ("E", shape.Emails), ("pub", shape.Publishers), ("key", shape.Keys) })
            for (var n = 0; n < count; n++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = $"@{prefix}{n}";
                parameters.Add(parameter);
            }
        if (shape.Locked)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@lock";
            parameters.Add(parameter);
        }
        var all = parameters.ToArray();
        command.Parameters.AddRange(all);
        return all;
    }

    // Whether the database already holds this lead's first answer (a repeated Idempotency-Key) or the
    // same person in its campaign: read without the writer or its lock, before any ping, so a repeat
    // or a duplicate costs no buyer a ping. The write decides for good; two copies arriving at once
    // are both pinged and only one is posted.
    public async Task<bool> SeenBeforeAsync(NewLead lead, DateTimeOffset? dedupeSince)
    {
        if (lead.IdempotencyKey is null && (dedupeSince is null || (lead.PhoneKey ?? lead.EmailKey) is null)) return false;
        await crash.HoldDedupeReadAsync();
        // A lead whose keys were never stored repeats nobody: most new leads skip the read.
        if (!_seen.MayHold(lead, dedupeSince)) return false;
        var op = new ReceiveOp(lead, dedupeSince, new TaskCompletionSource<ReceiveResult>());
        var known = await _readers.UseAsync((db, statements) => KnownAsync(db, [op], statements, self: lead.Id));
        return Dedupe.IsReplay(lead, known, out _) || Dedupe.IsDuplicate(lead, dedupeSince, known);
    }

    private static ReceiveResult ReceiveIn(BatchRows rows, ReceiveOp op, Known known, HashSet<string> seenInBatch)
    {
        var lead = op.Lead;
        var row = RowOf(lead);
        if (lead.IdempotencyKey is not null)
        {
            if (Dedupe.IsReplay(lead, known, out var first)) return new ReceiveResult(ReceiveOutcome.Replay, first!);
            // Older than the window: the key names a new lead now.
            if (first is not null)
            {
                first.IdempotencyKey = null;
                rows.FreedKeys.Add(first);
            }
            if (!seenInBatch.Add("idem|" + lead.PublisherKey + "|" + lead.IdempotencyKey))
                throw new InvalidOperationException("The same Idempotency-Key twice in one batch");
        }

        if (op.DedupeSince is not null && (lead.PhoneKey is not null || lead.EmailKey is not null))
        {
            // Both keys are claimed for the batch even when the first already matched.
            var phoneSeen = lead.PhoneKey is not null && !seenInBatch.Add($"p|{lead.CampaignKey}|{lead.Test}|{lead.PhoneKey}");
            var emailSeen = lead.EmailKey is not null && !seenInBatch.Add($"e|{lead.CampaignKey}|{lead.Test}|{lead.EmailKey}");
            if (phoneSeen || emailSeen || Dedupe.IsDuplicate(lead, op.DedupeSince, known))
            {
                row.Status = LeadStatus.Duplicate;
                row.FinishedAt = lead.ReceivedAt;
                row.Reason = "same phone or email seen in this campaign within the dedupe window";
                row.Owner = null;
                rows.NewLeads.Add(row);
                return new ReceiveResult(ReceiveOutcome.Duplicate, row);
            }
        }
        rows.NewLeads.Add(row);
        return new ReceiveResult(ReceiveOutcome.Stored, row);
    }

    private static LeadRow RowOf(NewLead l) => new()
    {
        Id = l.Id, CampaignKey = l.CampaignKey, PublisherKey = l.PublisherKey, SubId = l.SubId, ExternalId = l.ExternalId,
        IdempotencyKey = l.IdempotencyKey, Test = l.Test, Status = l.Status, FieldsJson = l.FieldsJson, ErrorsJson = l.ErrorsJson,
        PhoneKey = l.PhoneKey, EmailKey = l.EmailKey, ReceivedAt = l.ReceivedAt, FinishedAt = l.FinishedAt, PingId = l.PingId, Owner = l.Owner,
        SplitId = l.SplitId, SplitArm = l.SplitArm,
    };

    private static void FinishIn(BatchRows rows, LeadFinish f)
    {
        rows.Finishes.Add(new LeadRow
        {
            Id = f.LeadId, Status = f.Status, Price = f.Price, BuyerKey = f.BuyerKey, ContractKey = f.ContractKey, Payout = f.Payout,
            Reason = f.Reason,
            // A lead parked as `unknown` is not finished: a manager settles it.
            FinishedAt = f.Status == LeadStatus.Unknown ? null : f.FinishedAt,
            Owner = null,
        });

        if (f.Sales is not null) rows.Sales.AddRange(f.Sales);
        var seq = f.FirstSeq;
        List<TraceStepRow>? pings = null;
        foreach (var s in f.Trace)
        {
            var step = new TraceStepRow
            {
                LeadId = f.LeadId, Seq = seq++, Kind = s.Kind, Buyer = s.Buyer, Contract = s.Contract, Tier = s.Tier,
                Outcome = s.Outcome, Bid = s.Bid, Price = s.Price, Reason = Truncate(s.Reason), LatencyMs = s.LatencyMs, At = s.At,
            };
            if (LeadTraces.IsPacked(step)) (pings ??= []).Add(step);
            else rows.Steps.Add(step);
            // The accepted post's intent gets its outcome with the sale, in the same transaction.
            if (s is { Kind: TraceKinds.Post, Outcome: TraceOutcomes.Accepted })
                rows.Outcomes.Add(new PostIntentRow { LeadId = f.LeadId, Seq = seq - 1, Outcome = s.Outcome });
        }
        if (pings is not null) rows.Pings.Add(LeadTraces.Pack(pings));

        foreach (var inc in f.CapIncrements)
        {
            if (!rows.Caps.TryGetValue(inc.Key, out var counter)) rows.Caps[inc.Key] = counter = new CapCounterRow { Key = inc.Key };
            counter.Count += inc.Count;
            counter.Amount += inc.Amount;
            counter.UpdatedAt = f.FinishedAt;
        }
    }

    private static string? Truncate(string? s) => s is { Length: > 1000 } ? s[..1000] : s;
}
