using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace LeadHub.Core.Storage;

// Rows written the cheapest way each provider offers, for the writes on the hot path (the lead
// writer, the KPI rollups). EF Core's change tracking cost more CPU per lead than the rest of the
// engine; these statements are built from the EF model's own tables, columns and type mappings,
// so a column added to an entity needs no change here.
// - SQLite (in process, one writer): one prepared statement per table, executed once per row
//   (an upsert of counters: one per set of counters the row adds to, see UpsertAddSparseAsync).
// - PostgreSQL (a network round trip per statement): one statement per table for the whole
//   batch, its rows passed as one array per column and unnested by the server. Deferred, the
//   statements are held and sent together by FlushAsync: the lead writer's whole batch (every
//   table and the KPI rollups) is one round trip, run by the server in the order written.
// Runs inside the context's current transaction; nothing is tracked.
// `statements`: on SQLite, statements kept prepared across batches on a connection that stays open
// (the lead writer's); without it each call prepares its statement again.
public sealed class BulkRows(LeadHubDbContext db, bool deferred = false, PreparedStatements? statements = null)
{
    private readonly bool _postgres = db.Database.IsNpgsql();
    private NpgsqlBatch? _held;

    // Sends what a deferred BulkRows held (nothing to do on SQLite, or when nothing was held).
    public async Task FlushAsync(CancellationToken ct = default)
    {
        if (_held is null) return;
        await using var batch = _held;
        _held = null;
        await batch.ExecuteNonQueryAsync(ct);
    }

    // PostgreSQL: sends what was held and then COMMIT, in one round trip, and says so (the context's
    // transaction then reports itself completed: disposing it rolls nothing back). If a statement
    // fails, the server skips the rest, the COMMIT too, and the transaction rolls back.
    // SQLite: false, nothing done; the caller commits.
    public async Task<bool> FlushAndCommitAsync(CancellationToken ct = default)
    {
        if (!_postgres) return false;
        _held ??= new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(),
            (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction());
        _held.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await FlushAsync(ct);
        return true;
    }

    public Task InsertAsync<T>(IReadOnlyCollection<T> rows, CancellationToken ct = default) where T : class
    {
        if (rows.Count == 0) return Task.CompletedTask;
        var t = Table.Of<T>(db);
        var statement = t.StatementOf(_postgres, "insert", () =>
        {
            var names = List(t.Columns);
            return (_postgres
                ? $"INSERT INTO {t.Name} ({names}) SELECT * FROM unnest({List(t.Columns, (_, i) => $"@p{i}")})"
                : $"INSERT INTO {t.Name} ({names}) VALUES ({List(t.Columns, (_, i) => $"@p{i}")})", t.Columns);
        });
        return ExecuteAsync(statement, rows, ct);
    }

    // Sets `columns` of the rows with these primary keys. Several updates of one row: the last wins.
    public Task UpdateAsync<T>(IReadOnlyCollection<T> rows, IReadOnlyList<string> columns, CancellationToken ct = default) where T : class
    {
        if (rows.Count == 0) return Task.CompletedTask;
        var t = Table.Of<T>(db);
        if (_postgres) rows = LastPerKey(t, rows);
        var statement = t.StatementOf(_postgres, "update " + string.Join(",", columns), () =>
        {
            var set = columns.Select(t.Column).ToList();
            var all = t.Key.Concat(set).ToList();
            return (_postgres
                ? $"UPDATE {t.Name} AS t SET {List(set, (c, _) => $"{Q(c)} = v.{Q(c)}")} " +
                  $"FROM unnest({List(all, (_, i) => $"@p{i}")}) AS v({List(all)}) " +
                  $"WHERE {string.Join(" AND ", t.Key.Select(k => $"t.{Q(k)} = v.{Q(k)}"))}"
                : $"UPDATE {t.Name} SET {List(set, (c, i) => $"{Q(c)} = @p{i + t.Key.Count}")} " +
                  $"WHERE {string.Join(" AND ", t.Key.Select((k, i) => $"{Q(k)} = @p{i}"))}", all);
        });
        return ExecuteAsync(statement, rows, ct);
    }

    // Inserts each row, or adds its `sums` columns to the row already there (counters: two nodes
    // adding at once both count) and overwrites its other columns. One row per key per call.
    public Task UpsertAddAsync<T>(IReadOnlyCollection<T> rows, IReadOnlyList<string> sums, CancellationToken ct = default) where T : class
    {
        if (rows.Count == 0) return Task.CompletedTask;
        var t = Table.Of<T>(db);
        if (!_postgres) return UpsertAddSparseAsync(t, rows, sums, ct);
        var statement = t.StatementOf(_postgres, "upsert " + string.Join(",", sums), () =>
        {
            var summed = sums.Select(t.Column).ToHashSet();
            var updates = t.Columns.Where(c => !t.Key.Contains(c)).Select(c => summed.Contains(c)
                ? $"{Q(c)} = {Plus(_postgres, c, $"{t.Name}.{Q(c)}", $"excluded.{Q(c)}")}"
                : $"{Q(c)} = excluded.{Q(c)}");
            return ($"INSERT INTO {t.Name} ({List(t.Columns)}) SELECT * FROM unnest({List(t.Columns, (_, i) => $"@p{i}")}) " +
                    $"ON CONFLICT ({List(t.Key)}) DO UPDATE SET {string.Join(", ", updates)}", t.Columns);
        });
        return ExecuteAsync(statement, rows, ct);
    }

    // SQLite: each row binds only the sums it adds to (SQLite's cost is per bound value, and a
    // pinged buyer's KPI row adds to 4 of its 18 counters); a sum left out is its type's zero in a
    // new row and untouched in a row already there, as adding zero would leave it. Rows still run
    // in the caller's order. One statement per table and set of sums, kept like the others.
    private async Task UpsertAddSparseAsync<T>(Table t, IReadOnlyCollection<T> rows, IReadOnlyList<string> sums, CancellationToken ct) where T : class
    {
        var sparse = t.SparseOf(string.Join(",", sums), () => new Sparse(t, sums.Select(t.Column).ToArray()));
        var one = new T[1];
        foreach (var row in rows)
        {
            one[0] = row;
            await ExecuteAsync(sparse.StatementFor(row), one, ct);
        }
    }

    // A sparse upsert's sums, and its statements by which of them a row adds to (bit i: sum i).
    private sealed class Sparse
    {
        private readonly Table _t;
        private readonly IProperty[] _sums;
        private readonly Func<object, object?>[] _read;
        private readonly object?[] _zero;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, Statement> _statements = new();

        public Sparse(Table t, IProperty[] sums)
        {
            if (sums.Length > 64) throw new ArgumentException("at most 64 sums", nameof(sums));
            (_t, _sums) = (t, sums);
            _read = sums.Select(ValueOf).ToArray();
            _zero = sums.Select(c => c.ClrType.IsValueType ? Activator.CreateInstance(c.ClrType) : null).ToArray();
        }

        public Statement StatementFor(object row)
        {
            var mask = 0UL;
            for (var i = 0; i < _sums.Length; i++)
            {
                if (_read[i](row) is { } value && !value.Equals(_zero[i])) mask |= 1UL << i;
            }
            return _statements.GetOrAdd(mask, static (mask, self) => self.Build(mask), this);
        }

        private Statement Build(ulong mask)
        {
            var added = _sums.Where((_, i) => (mask & 1UL << i) != 0).ToList();
            var left = _sums.Where((_, i) => (mask & 1UL << i) == 0).ToList();
            var bound = _t.Columns.Where(c => !_sums.Contains(c)).Concat(added).ToList();
            var updates = bound.Where(c => !_t.Key.Contains(c)).Select(c => added.Contains(c)
                ? $"{Q(c)} = {Plus(false, c, $"{_t.Name}.{Q(c)}", $"excluded.{Q(c)}")}"
                : $"{Q(c)} = excluded.{Q(c)}").ToList();
            var values = bound.Select((_, i) => $"@p{i}")
                .Concat(left.Select(c => c.GetRelationalTypeMapping().GenerateSqlLiteral(_zero[Array.IndexOf(_sums, c)])));
            var sql = $"INSERT INTO {_t.Name} ({List(bound.Concat(left))}) VALUES ({string.Join(", ", values)}) " +
                      $"ON CONFLICT ({List(_t.Key)}) DO " + (updates.Count == 0 ? "NOTHING" : $"UPDATE SET {string.Join(", ", updates)}");
            return new Statement(sql, bound, bound.Select(ValueOf).ToArray());
        }
    }

    // SQLite keeps decimals as text: EF Core's ef_add adds them exactly, where + would go through doubles.
    private static string Plus(bool postgres, IProperty c, string current, string added) =>
        !postgres && c.ClrType == typeof(decimal) ? $"ef_add({current}, {added})" : $"{current} + {added}";

    private async Task ExecuteAsync<T>(Statement statement, IReadOnlyCollection<T> rows, CancellationToken ct) where T : class
    {
        var (sql, columns, values) = statement;
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        if (_postgres)
        {
            // One array per column: the whole batch in one statement.
            var batched = new NpgsqlBatchCommand(sql);
            for (var i = 0; i < columns.Count; i++)
            {
                var array = Array.CreateInstance(ProviderType(columns[i]), rows.Count);
                var r = 0;
                foreach (var row in rows) array.SetValue(values[i](row), r++);
                batched.Parameters.Add(new NpgsqlParameter($"p{i}", array));
            }
            _held ??= new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction?)transaction);
            _held.BatchCommands.Add(batched);
            if (!deferred) await FlushAsync(ct);
            return;
        }

        // The statement is prepared on its first execution and reused for every other row (and,
        // kept in `statements`, for every later batch on this connection).
        var (command, parameters) = statements?.For(connection, sql, c => ParametersOf(c, columns)) ?? New(connection, sql, columns);
        try
        {
            command.Transaction = transaction;
            foreach (var row in rows)
            {
                for (var i = 0; i < columns.Count; i++) parameters[i].Value = values[i](row) ?? DBNull.Value;
                await command.ExecuteNonQueryAsync(ct);
            }
        }
        finally
        {
            if (statements is null) await command.DisposeAsync();
        }
    }

    private static (DbCommand, DbParameter[]) New(DbConnection connection, string sql, IReadOnlyList<IProperty> columns)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return (command, ParametersOf(command, columns));
    }

    private static DbParameter[] ParametersOf(DbCommand command, IReadOnlyList<IProperty> columns)
    {
        var parameters = new DbParameter[columns.Count];
        for (var i = 0; i < columns.Count; i++)
        {
            parameters[i] = columns[i].GetRelationalTypeMapping().CreateParameter(command, $"@p{i}", null, columns[i].IsNullable);
            command.Parameters.Add(parameters[i]);
        }
        return parameters;
    }

    // Reads a column's value from a row as the database stores it (after the model's value converter).
    private static Func<object, object?> ValueOf(IProperty p)
    {
        var getter = p.GetGetter();
        var converter = p.GetRelationalTypeMapping().Converter;
        return row =>
        {
            var value = getter.GetClrValueUsingContainingEntity(row);
            return value is null ? null : converter?.ConvertToProvider(value) ?? value;
        };
    }

    // One statement's text, its parameters' columns in order, and how each parameter's value is read
    // from a row: built once per table, provider and shape, not for every batch (at one lead at a time
    // every write built its text again and looked up each value's getter and converter in the model).
    private sealed record Statement(string Sql, IReadOnlyList<IProperty> Columns, Func<object, object?>[] Values);

    private static Type ProviderType(IProperty p)
    {
        var type = p.GetRelationalTypeMapping().Converter?.ProviderClrType ?? p.ClrType;
        type = Nullable.GetUnderlyingType(type) ?? type;
        return p.IsNullable && type.IsValueType ? typeof(Nullable<>).MakeGenericType(type) : type;
    }

    private static IReadOnlyCollection<T> LastPerKey<T>(Table t, IReadOnlyCollection<T> rows) where T : class
    {
        var last = new Dictionary<string, T>();
        foreach (var row in rows) last[string.Join("\u0001", t.Key.Select(k => k.GetGetter().GetClrValueUsingContainingEntity(row)))] = row;
        return last.Count == rows.Count ? rows : last.Values;
    }

    private static string Q(IProperty p) => $"\"{p.GetColumnName()}\"";

    private static string List(IEnumerable<IProperty> columns) => string.Join(", ", columns.Select(Q));

    private static string List(IEnumerable<IProperty> columns, Func<IProperty, int, string> each) => string.Join(", ", columns.Select(each));

    // An entity's table as the model maps it, looked up once per type and model.
    private sealed record Table(string Name, IReadOnlyList<IProperty> Columns, IReadOnlyList<IProperty> Key)
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IModel, Dictionary<Type, Table>> Cache = new();

        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Statement> _statements = new(StringComparer.Ordinal);

        public Statement StatementOf(bool postgres, string shape, Func<(string Sql, IReadOnlyList<IProperty> Columns)> build) =>
            _statements.GetOrAdd((postgres ? "postgres " : "sqlite ") + shape, _ =>
            {
                var (sql, columns) = build();
                return new Statement(sql, columns, columns.Select(ValueOf).ToArray());
            });

        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Sparse> _sparse = new(StringComparer.Ordinal);

        public Sparse SparseOf(string sums, Func<Sparse> build) => _sparse.GetOrAdd(sums, static (_, build) => build(), build);

        public IProperty Column(string property) =>
            Columns.FirstOrDefault(c => c.Name == property) ?? throw new ArgumentException($"{property} is not a column of {Name}");

        public static Table Of<T>(LeadHubDbContext db)
        {
            var byType = Cache.GetValue(db.Model, _ => []);
            lock (byType)
            {
                if (byType.TryGetValue(typeof(T), out var table)) return table;
                var entity = db.Model.FindEntityType(typeof(T)) ?? throw new ArgumentException($"{typeof(T).Name} is not an entity");
                table = new Table($"\"{entity.GetTableName()}\"", entity.GetProperties().ToList(), entity.FindPrimaryKey()!.Properties);
                byType[typeof(T)] = table;
                return table;
            }
        }
    }
}

// Commands kept prepared on one open connection, by their text: SQLite compiles a statement on
// its first execution, and a new command compiles it again. Bound to the connection it was first
// used on; another connection (the old one closed or replaced) starts over.
public sealed class PreparedStatements : IDisposable
{
    private readonly Dictionary<string, (DbCommand Command, DbParameter[] Parameters)> _commands = new(StringComparer.Ordinal);
    private DbConnection? _connection;

    public (DbCommand Command, DbParameter[] Parameters) For(DbConnection connection, string sql, Func<DbCommand, DbParameter[]> parameters)
    {
        if (!ReferenceEquals(connection, _connection))
        {
            Dispose();
            _connection = connection;
        }
        if (_commands.TryGetValue(sql, out var kept)) return kept;
        var command = connection.CreateCommand();
        command.CommandText = sql;
        kept = (command, parameters(command));
        _commands[sql] = kept;
        return kept;
    }

    public void Dispose()
    {
        foreach (var (command, _) in _commands.Values) command.Dispose();
        _commands.Clear();
        _connection = null;
    }
}
