using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace LeadHub.Bench;

// The least storage that keeps LeadHub's durability promise, for the storing baseline
// (`--baseline-store`): a lead's row committed before the lead is posted, its final state committed
// before the answer. One writer drains what is queued into one transaction (group commit, as
// LeadHub's writer does); SQLite in WAL with synchronous=NORMAL, as LeadHub runs it; one table whose
// primary key is its only index. No dedupe, post journal, trace, caps or KPIs: what is left between
// LeadHub and this baseline is what LeadHub does beyond keeping each lead.
public sealed class BaselineStore : IAsyncDisposable
{
    private const int MaxBatch = 256;

    private abstract record Op(TaskCompletionSource Done);
    private sealed record Arrival(string Id, string Campaign, string Fields, TaskCompletionSource Done) : Op(Done);
    private sealed record Final(string Id, string Status, decimal Price, TaskCompletionSource Done) : Op(Done);

    private readonly Channel<Op> _ops = Channel.CreateUnbounded<Op>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteConnection _db;
    private readonly Task _writer;

    private BaselineStore(SqliteConnection db)
    {
        _db = db;
        _writer = Task.Run(WriteAsync);
    }

    public static BaselineStore Open(string path)
    {
        var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        using var create = db.CreateCommand();
        create.CommandText = """
            PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
            CREATE TABLE IF NOT EXISTS Leads (Id TEXT PRIMARY KEY, Campaign TEXT NOT NULL, Fields TEXT NOT NULL,
                Status TEXT NOT NULL, Price TEXT, FinishedAt TEXT);
            """;
        create.ExecuteNonQuery();
        return new BaselineStore(db);
    }

    // The lead as it arrived; the caller awaits it before posting, not before pinging.
    public Task ArriveAsync(string id, string campaign, string fields) =>
        Enqueue(done => new Arrival(id, campaign, fields, done));

    // The lead's final state; the caller awaits it before answering.
    public Task FinishAsync(string id, string status, decimal price) =>
        Enqueue(done => new Final(id, status, price, done));

    private Task Enqueue(Func<TaskCompletionSource, Op> op)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_ops.Writer.TryWrite(op(done))) done.TrySetException(new InvalidOperationException("the store is closed"));
        return done.Task;
    }

    private async Task WriteAsync()
    {
        using var insert = _db.CreateCommand();
        insert.CommandText = "INSERT INTO Leads (Id, Campaign, Fields, Status) VALUES ($id, $campaign, $fields, 'routing')";
        var insertId = insert.Parameters.Add("$id", SqliteType.Text);
        var insertCampaign = insert.Parameters.Add("$campaign", SqliteType.Text);
        var insertFields = insert.Parameters.Add("$fields", SqliteType.Text);
        using var update = _db.CreateCommand();
        update.CommandText = "UPDATE Leads SET Status = $status, Price = $price, FinishedAt = $at WHERE Id = $id";
        var updateId = update.Parameters.Add("$id", SqliteType.Text);
        var updateStatus = update.Parameters.Add("$status", SqliteType.Text);
        var updatePrice = update.Parameters.Add("$price", SqliteType.Text);
        var updateAt = update.Parameters.Add("$at", SqliteType.Text);

        var batch = new List<Op>(MaxBatch);
        while (await _ops.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _ops.Reader.TryRead(out var op)) batch.Add(op);
            try
            {
                using var tx = _db.BeginTransaction();
                insert.Transaction = tx;
                update.Transaction = tx;
                foreach (var op in batch)
                {
                    switch (op)
                    {
                        case Arrival a:
                            insertId.Value = a.Id;
                            insertCampaign.Value = a.Campaign;
                            insertFields.Value = a.Fields;
                            insert.ExecuteNonQuery();
                            break;
                        case Final f:
                            updateId.Value = f.Id;
                            updateStatus.Value = f.Status;
                            updatePrice.Value = f.Price;
                            updateAt.Value = DateTimeOffset.UtcNow;
                            update.ExecuteNonQuery();
                            break;
                    }
                }
                tx.Commit();
                foreach (var op in batch) op.Done.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var op in batch) op.Done.TrySetException(e);
            }
            batch.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _ops.Writer.TryComplete();
        await _writer;
        await _db.DisposeAsync();
    }
}
