using System.Collections.Concurrent;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Delivery;

// Per-contract health: a circuit breaker that stops pinging a buyer that keeps timing out or
// erroring (it would only eat the auction's deadline), the ping-fatigue guard (pings per
// second/minute), and the daily post-error count that auto-pauses a contract.
public sealed class BuyerHealth
{
    private readonly TimeProvider time;

    public BuyerHealth(TimeProvider time)
    {
        this.time = time;
        Telemetry.LeadHubMetrics.Observe(this);
    }

    public const string CircuitOpen = "circuit-open";
    private readonly ConcurrentDictionary<string, State> _states = new();

    // Raised once when a contract passes its daily post-error limit; the listener pauses it.
    public event Action<string, string>? PauseRequested;

    private sealed class State
    {
        public string Buyer = "";
        public int ConsecutiveFailures;
        public DateTimeOffset? OpenUntil;
        public long Second, Minute;
        public int PingsThisSecond, PingsThisMinute;
        public DateOnly ErrorDay;
        public int PostErrorsToday;
        public bool PauseRaised;
        public long SkippedPings;
    }

    // Null when the contract may be pinged (or posted, for direct-post) now, else why not.
    public string? Admit(ContractSnapshot contract)
    {
        var config = contract.Config;
        var state = _states.GetOrAdd(contract.Key, static (_, buyer) => new State { Buyer = buyer }, contract.Buyer.Key);
        var now = time.GetUtcNow();
        lock (state)
        {
            if (state.OpenUntil is { } until)
            {
                if (now < until)
                {
                    state.SkippedPings++;
                    return CircuitOpen;
                }
                // After the cool-down one request probes the buyer. The circuit re-arms at once, so
                // the others keep waiting and a probe that never reports cannot jam it open.
                state.OpenUntil = now.AddSeconds(config.BreakCoolDownSeconds);
            }
            if (contract.IsDirectPost) return null;

            var second = now.ToUnixTimeSeconds();
            if (state.Second != second) (state.Second, state.PingsThisSecond) = (second, 0);
            if (state.Minute != second / 60) (state.Minute, state.PingsThisMinute) = (second / 60, 0);
            if (config.MaxPingsPerSecond is { } perSecond && state.PingsThisSecond >= perSecond)
            {
                state.SkippedPings++;
                return $"ping limit: {perSecond} per second";
            }
            if (config.MaxPingsPerMinute is { } perMinute && state.PingsThisMinute >= perMinute)
            {
                state.SkippedPings++;
                return $"ping limit: {perMinute} per minute";
            }
            state.PingsThisSecond++;
            state.PingsThisMinute++;
            return null;
        }
    }

    // Any answer in time, even a pass or a rejection, shows the buyer is healthy.
    public void RecordAnswer(ContractSnapshot contract)
    {
        var state = _states.GetOrAdd(contract.Key, static (_, buyer) => new State { Buyer = buyer }, contract.Buyer.Key);
        lock (state)
        {
            state.ConsecutiveFailures = 0;
            state.OpenUntil = null;
        }
    }

    public void RecordFailure(ContractSnapshot contract, bool isPost)
    {
        var config = contract.Config;
        var state = _states.GetOrAdd(contract.Key, static (_, buyer) => new State { Buyer = buyer }, contract.Buyer.Key);
        var now = time.GetUtcNow();
        string? pauseReason = null;
        lock (state)
        {
            state.ConsecutiveFailures++;
            if (state.OpenUntil is not null || (config.BreakAfterFailures > 0 && state.ConsecutiveFailures >= config.BreakAfterFailures))
                state.OpenUntil = now.AddSeconds(config.BreakCoolDownSeconds);
            if (isPost)
            {
                var today = DateOnly.FromDateTime(now.UtcDateTime);
                if (state.ErrorDay != today) (state.ErrorDay, state.PostErrorsToday, state.PauseRaised) = (today, 0, false);
                state.PostErrorsToday++;
                if (config.MaxPostErrors is { } max && state.PostErrorsToday >= max && !state.PauseRaised)
                {
                    state.PauseRaised = true;
                    pauseReason = $"{state.PostErrorsToday} post errors or timeouts today (limit {max})";
                }
            }
        }
        if (pauseReason is not null) PauseRequested?.Invoke(contract.Key, pauseReason);
    }

    // For the circuit gauge: 0 closed, 1 half-open, 2 open.
    public IEnumerable<(string Buyer, string Contract, int State)> Circuits()
    {
        var now = time.GetUtcNow();
        foreach (var (contract, state) in _states)
        {
            DateTimeOffset? until;
            lock (state) until = state.OpenUntil;
            yield return (state.Buyer, contract, until is null ? 0 : now >= until ? 1 : 2);
        }
    }

    public IReadOnlyList<ContractHealthView> Report(RoutingSnapshot snapshot)
    {
        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        return snapshot.Contracts.Values.OrderBy(c => c.Key).Select(c =>
        {
            var state = _states.GetValueOrDefault(c.Key) ?? new State();
            lock (state)
            {
                var circuit = state.OpenUntil is null ? "closed" : now >= state.OpenUntil ? "half-open" : "open";
                return new ContractHealthView(c.Key, c.Buyer.Key, c.Config.Active, circuit, state.ConsecutiveFailures, state.OpenUntil,
                    state.ErrorDay == today ? state.PostErrorsToday : 0, state.SkippedPings);
            }
        }).ToList();
    }
}

public sealed record ContractHealthView(
    string Contract,
    string Buyer,
    bool Active,
    string Circuit,
    int ConsecutiveFailures,
    DateTimeOffset? OpenUntil,
    int PostErrorsToday,
    long SkippedPings);
