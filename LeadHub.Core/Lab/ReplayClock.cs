namespace LeadHub.Core.Lab;

// Virtual time for the revenue lab's replay: the real Auction runs against this clock, and nobody
// ever waits for real. Time moves only when the replay asks it to, to the next thing due.
//
// How a replayed auction runs (ReplayClock.Run):
//   1. The clock is set to the moment the recorded auction started.
//   2. The auction is started on the calling thread under a Pump (a SynchronizationContext that queues
//      every `await` continuation for this thread), so nothing runs on another thread and the order of
//      events is fixed. It runs until everything it awaits is pending: a recorded buyer answer (RecordedTransport registers it with `At`, due at the ping's
//      start + its recorded latency) or a timer (the Auction's own `new CancellationTokenSource(budget,
//      this)` for each ping and post, made through CreateTimer).
//   3. The earliest due item is taken, the clock jumps to its time, and it runs; the auction moves on
//      inline. Repeat until the auction's task completes.
// So in a parallel tier all pings start at the same virtual instant (the Auction starts them one after
// another without awaiting in between) and the tier ends when the last answer or timeout is due; in a
// waterfall each ping starts at the instant the previous one answered. A budget timer fires only when
// the clock reaches its due time, i.e. only when no recorded answer came before it: at the same instant
// an answer goes first (the recorded latency is rounded to the millisecond), so the Auction's own
// timeout never fires spuriously and a bid slower than the plan's budget is a timeout.
public sealed class ReplayClock : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly PriorityQueue<Due, (DateTimeOffset At, int Rank, long Seq)> _queue = new();
    private DateTimeOffset _now;
    private long _seq;

    public ReplayClock(DateTimeOffset start) => _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock) return _now;
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    // Runs `action` at `at`; answers go before timers due at the same instant.
    public void At(DateTimeOffset at, Action action)
    {
        lock (_lock) _queue.Enqueue(new Due(action, null), (at, 0, _seq++));
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    // Sets the clock (between auctions only: nothing may be pending) and runs one auction to its end.
    public T Run<T>(DateTimeOffset start, Func<Task<T>> auction)
    {
        lock (_lock)
        {
            _queue.Clear();
            _now = start;
        }
        return Pump.Run(auction, TryRunNext);
    }

    private bool TryRunNext()
    {
        Due due;
        lock (_lock)
        {
            while (true)
            {
                if (!_queue.TryDequeue(out due!, out var key)) return false;
                if (due.Timer is { } t && (t.Version != key.Seq || t.Disposed)) continue; // changed or disposed since
                if (key.At > _now) _now = key.At;
                break;
            }
        }
        due.Action?.Invoke();
        due.Timer?.Fire();
        return true;
    }

    private void Schedule(VirtualTimer timer, TimeSpan dueTime)
    {
        lock (_lock)
        {
            timer.Version = ++_seq;
            if (dueTime == Timeout.InfiniteTimeSpan) return;
            _queue.Enqueue(new Due(null, timer), (_now + dueTime, 1, timer.Version));
        }
    }

    private sealed record Due(Action? Action, VirtualTimer? Timer);

    // One-shot is all the Auction uses (a CancellationTokenSource's delay); a period re-arms it.
    private sealed class VirtualTimer(ReplayClock clock, TimerCallback callback, object? state) : ITimer
    {
        public long Version;
        public bool Disposed;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (Disposed) return false;
            _period = period;
            clock.Schedule(this, dueTime);
            return true;
        }

        public void Fire()
        {
            if (Disposed) return;
            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero) clock.Schedule(this, _period);
            callback(state);
        }

        public void Dispose() => Disposed = true;

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}

// A SynchronizationContext that runs every continuation posted to it on the thread that runs the task,
// one after another: `Run` drains the continuations, then asks `next` to make something due happen
// (advance a virtual clock), until the task is done. Deterministic: nothing runs on the thread pool.
public sealed class Pump : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _posted = new();
    private readonly Lock _lock = new();

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_lock) _posted.Enqueue((d, state));
    }

    public override void Send(SendOrPostCallback d, object? state) => d(state);

    public override SynchronizationContext CreateCopy() => this;

    // `next` returns false when nothing is left to happen; the task must then be done.
    public static T Run<T>(Func<Task<T>> start, Func<bool> next)
    {
        var previous = Current;
        var pump = new Pump();
        SetSynchronizationContext(pump);
        try
        {
            var task = start();
            while (!task.IsCompleted)
            {
                if (pump.RunPosted()) continue;
                if (!next()) throw new InvalidOperationException("The replayed auction waits for something that never comes.");
            }
            return task.GetAwaiter().GetResult();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    private bool RunPosted()
    {
        var ran = false;
        while (true)
        {
            (SendOrPostCallback Callback, object? State) item;
            lock (_lock)
            {
                if (!_posted.TryDequeue(out item)) return ran;
            }
            item.Callback(item.State);
            ran = true;
        }
    }
}
