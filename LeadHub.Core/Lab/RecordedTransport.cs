using LeadHub.Core.Delivery;
using LeadHub.Core.Routing;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Lab;

// What a replay does with a post the recording has no answer for (README "Revenue lab → Replay").
public enum UnknownPosts
{
    // The buyer would have rejected it: the low end of the revenue range.
    Rejected,
    // The buyer would have taken it at its bid: the high end.
    Accepted,
    // The buyer takes it with its recorded acceptance rate in the range, decided per lead and contract by a hash.
    AtRecordedRate,
}

// A buyer "answering" from a lead's recorded trace: the recorded ping answer (bid, pass, error) after
// its recorded latency, a recorded timeout never answers (the plan's own budget ends it), and the
// recorded post outcome. Each answer is due on the ReplayClock at the call's start + recorded latency,
// so the real Auction judges it against the plan's timeouts (ReplayClock explains the timing).
//
// What the recording cannot know: a contract never pinged for this lead (it was skipped then, or is new)
// has no bid: it passes at once and counts as an unknown ping (the replay never invents a bid). A post to
// a contract never posted has no outcome: `unknownPosts` decides, and it counts as an unknown post.
public sealed class RecordedTransport(ReplayClock clock, UnknownPosts unknownPosts, IReadOnlyDictionary<string, double> acceptRates) : IBuyerTransport
{
    private RecordedLead _lead = null!;
    private readonly Dictionary<string, RecordedStep> _pings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RecordedStep> _posts = new(StringComparer.Ordinal);

    public int UnknownPings { get; private set; }
    public int UnknownPostCount { get; private set; }

    // The lead the next auction replays; its first answered ping and post per contract are the recorded answers.
    public void Load(RecordedLead lead)
    {
        _lead = lead;
        _pings.Clear();
        _posts.Clear();
        UnknownPings = UnknownPostCount = 0;
        foreach (var s in lead.Steps)
        {
            if (s.Contract is null) continue;
            if (s.Kind == TraceKinds.Ping && s.Outcome is TraceOutcomes.Bid or TraceOutcomes.Pass or TraceOutcomes.Timeout or TraceOutcomes.Error)
                _pings.TryAdd(s.Contract, s);
            else if (s.Kind == TraceKinds.Post && s.Outcome is TraceOutcomes.Accepted or TraceOutcomes.Rejected or TraceOutcomes.Timeout or TraceOutcomes.Error)
                _posts.TryAdd(s.Contract, s);
        }
    }

    public Task<PingResult> PingAsync(ContractSnapshot contract, PingRequest request, CancellationToken ct)
    {
        if (!_pings.TryGetValue(contract.Key, out var s))
        {
            UnknownPings++;
            return Task.FromResult(PingResult.Passed("not pinged when recorded: no bid known"));
        }
        return s.Outcome switch
        {
            TraceOutcomes.Bid => Later(new PingResult(PingOutcome.Bid, s.Bid ?? 0), s.LatencyMs, ct),
            TraceOutcomes.Pass => Later(PingResult.Passed(s.Reason), s.LatencyMs, ct),
            TraceOutcomes.Error => Later(PingResult.Failed(s.Reason ?? "error"), s.LatencyMs, ct),
            _ => Later(PingResult.TimedOut(), null, ct),
        };
    }

    public Task<PostResult> PostAsync(ContractSnapshot contract, PostRequest request, CancellationToken ct)
    {
        if (!_posts.TryGetValue(contract.Key, out var s))
        {
            UnknownPostCount++;
            var accepted = unknownPosts switch
            {
                UnknownPosts.Accepted => true,
                UnknownPosts.AtRecordedRate => Draw(_lead.Id, contract.Key) < acceptRates.GetValueOrDefault(contract.Key, ContractOdds.PriorAccept),
                _ => false,
            };
            return Task.FromResult(accepted
                ? new PostResult(PostOutcome.Accepted, null, "not posted when recorded: assumed accepted")
                : new PostResult(PostOutcome.Rejected, null, "not posted when recorded: assumed rejected"));
        }
        return s.Outcome switch
        {
            TraceOutcomes.Accepted => Later(new PostResult(PostOutcome.Accepted), s.LatencyMs, ct),
            TraceOutcomes.Rejected => Later(new PostResult(PostOutcome.Rejected, null, s.Reason), s.LatencyMs, ct),
            TraceOutcomes.Error => Later(PostResult.Failed(s.Reason ?? "error"), s.LatencyMs, ct),
            _ => Later(PostResult.TimedOut(), null, ct),
        };
    }

    // The answer due after `latencyMs` of virtual time; null latency: never answers, so the
    // Auction's own timeout (a timer on the same clock) cancels the call.
    private Task<T> Later<T>(T answer, int? latencyMs, CancellationToken ct)
    {
        var source = new TaskCompletionSource<T>();
        var registration = ct.Register(() => source.TrySetCanceled(ct));
        if (latencyMs is { } ms)
            clock.At(clock.GetUtcNow().AddMilliseconds(Math.Max(0, ms)), () =>
            {
                registration.Dispose();
                source.TrySetResult(answer);
            });
        return source.Task;
    }

    // A uniform number in [0, 1) fixed by the lead and the contract (FNV-1a), so a replay gives the same figure twice.
    public static double Draw(Guid lead, string contract)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in lead.ToByteArray()) hash = (hash ^ b) * 1099511628211UL;
        foreach (var c in contract) hash = (hash ^ c) * 1099511628211UL;
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return (hash >> 11) * (1.0 / (1UL << 53));
    }
}
