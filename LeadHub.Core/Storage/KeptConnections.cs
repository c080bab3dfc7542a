using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Storage;

// Contexts kept with their connection open and their statements prepared, lent to one caller at a
// time, for a read on the hot path (the dedupe read before a lead's pings): it then costs neither a
// context and a connection from the pools nor SQLite compiling its statement again, as the lead
// writer's own connection does for its writes. SQLite only, where a connection is a file handle
// in this process; on PostgreSQL each use takes a context from the factory and gives it back,
// and the server connection stays Npgsql's pool's to manage.
// At most `keep` wait idle (more callers at once use extra ones, closed after); each is closed
// after `usesPerConnection` uses or a failed read, so what a connection gathers stays bounded.
public sealed class KeptConnections(IDbContextFactory<LeadHubDbContext> dbFactory, int keep = 8, int usesPerConnection = 1000) : IAsyncDisposable
{
    // A stack under a lock (held for a push or a pop): ConcurrentBag's Count locks every thread's list.
    private readonly Stack<Kept> _idle = new();
    private bool? _sqlite;
    private volatile bool _closed;

    private sealed class Kept(LeadHubDbContext db) : IAsyncDisposable
    {
        public LeadHubDbContext Db { get; } = db;
        public PreparedStatements Statements { get; } = new();
        public int Uses;

        public async ValueTask DisposeAsync()
        {
            Statements.Dispose();
            await Db.DisposeAsync();
        }
    }

    // `statements` is null on PostgreSQL: there the read prepares its command each time.
    public async Task<T> UseAsync<T>(Func<LeadHubDbContext, PreparedStatements?, Task<T>> read)
    {
        if (!TryTake(out var kept))
        {
            kept = new Kept(await dbFactory.CreateDbContextAsync());
            _sqlite ??= kept.Db.Database.IsSqlite();
            try
            {
                if (_sqlite == true) await kept.Db.Database.OpenConnectionAsync();
            }
            catch
            {
                // A connection that would not open is not left behind with its context.
                await kept.DisposeAsync();
                throw;
            }
        }
        var keepIt = false;
        try
        {
            var result = await read(kept.Db, _sqlite == true ? kept.Statements : null);
            keepIt = _sqlite == true && ++kept.Uses < usesPerConnection && !_closed;
            return result;
        }
        finally
        {
            if (!keepIt || !TryPutBack(kept)) await kept.DisposeAsync();
            // Closed meanwhile: this one is not left open.
            else if (_closed) await DisposeAsync();
        }
    }

    // Closes the idle connections; a use after this closes its own.
    public async ValueTask DisposeAsync()
    {
        _closed = true;
        while (TryTake(out var kept)) await kept.DisposeAsync();
    }

    private bool TryTake(out Kept kept)
    {
        lock (_idle) return _idle.TryPop(out kept!);
    }

    private bool TryPutBack(Kept kept)
    {
        lock (_idle)
        {
            if (_idle.Count >= keep) return false;
            _idle.Push(kept);
            return true;
        }
    }
}
