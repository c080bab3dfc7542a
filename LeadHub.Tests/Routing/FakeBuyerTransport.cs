using System.Diagnostics;
using LeadHub.Core.Delivery;
using LeadHub.Core.Workspace;
using Microsoft.Extensions.Time.Testing;

namespace LeadHub.Tests.Routing;

public sealed record SentPing(string Contract, PingRequest Request);

public sealed record SentPost(string Contract, PostRequest Request);

// An IBuyerTransport whose buyers answer what the test configured, per contract key, and which
// records every ping and post in the order they were sent. A contract without a configured
// ping answer passes; one without a configured post answer accepts.
//
// "Never answers" awaits until the engine's own deadline cancels the token, so a test ends it by
// advancing the FakeTimeProvider; PingStarted/PostStarted tell the test when to do that.
public sealed class FakeBuyerTransport : IBuyerTransport
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Func<CancellationToken, Task<PingResult>>> _pingAnswers = [];
    private readonly Dictionary<string, Func<CancellationToken, Task<PostResult>>> _postAnswers = [];
    private readonly List<SentPing> _pings = [];
    private readonly List<SentPost> _posts = [];
    private readonly List<(bool Post, string Contract, int Count, TaskCompletionSource Started)> _waiters = [];

    public IReadOnlyList<SentPing> Pings
    {
        get { lock (_lock) return [.. _pings]; }
    }

    public IReadOnlyList<SentPost> Posts
    {
        get { lock (_lock) return [.. _posts]; }
    }

    public IReadOnlyList<SentPing> PingsTo(string contract) => [.. Pings.Where(p => p.Contract == contract)];

    public IReadOnlyList<SentPost> PostsTo(string contract) => [.. Posts.Where(p => p.Contract == contract)];

    // ---- ping answers ----

    public FakeBuyerTransport Bids(string contract, decimal amount) =>
        OnPing(contract, _ => Task.FromResult(new PingResult(PingOutcome.Bid, amount)));

    public FakeBuyerTransport Passes(string contract) => OnPing(contract, _ => Task.FromResult(PingResult.Passed()));

    public FakeBuyerTransport PingFails(string contract, string reason = "HTTP 500") =>
        OnPing(contract, _ => Task.FromResult(PingResult.Failed(reason)));

    public FakeBuyerTransport PingNeverAnswers(string contract) => OnPing(contract, async ct =>
    {
        await Task.Delay(Timeout.Infinite, ct);
        throw new UnreachableException();
    });

    // The buyer takes `latency` of the test's fake clock to answer: the ping moves the clock on,
    // a millisecond at a time, so pings sent one after another add up with no real wait. When the
    // engine's deadline comes first the clock stops there and the ping times out, as a real one would.
    public FakeBuyerTransport AnswersAfter(string contract, TimeSpan latency, FakeTimeProvider time, PingResult answer) =>
        OnPing(contract, ct =>
        {
            for (var waited = TimeSpan.Zero; waited < latency && !ct.IsCancellationRequested; waited += TimeSpan.FromMilliseconds(1))
                time.Advance(TimeSpan.FromMilliseconds(1));
            return ct.IsCancellationRequested ? Task.FromCanceled<PingResult>(ct) : Task.FromResult(answer);
        });

    public FakeBuyerTransport BidsAfter(string contract, decimal amount, TimeSpan latency, FakeTimeProvider time) =>
        AnswersAfter(contract, latency, time, new PingResult(PingOutcome.Bid, amount));

    public FakeBuyerTransport PassesAfter(string contract, TimeSpan latency, FakeTimeProvider time) =>
        AnswersAfter(contract, latency, time, PingResult.Passed());

    // The ping waits for the test to complete the returned source (or for the engine's deadline).
    public TaskCompletionSource<PingResult> PingAnswersLater(string contract)
    {
        var answer = new TaskCompletionSource<PingResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        OnPing(contract, ct => answer.Task.WaitAsync(ct));
        return answer;
    }

    public FakeBuyerTransport OnPing(string contract, Func<CancellationToken, Task<PingResult>> answer)
    {
        lock (_lock) _pingAnswers[contract] = answer;
        return this;
    }

    // ---- post answers ----

    public FakeBuyerTransport Accepts(string contract, string? buyerLeadId = null) =>
        OnPost(contract, _ => Task.FromResult(new PostResult(PostOutcome.Accepted, buyerLeadId ?? "b-" + contract)));

    public FakeBuyerTransport Rejects(string contract, string reason = "duplicate") =>
        OnPost(contract, _ => Task.FromResult(new PostResult(PostOutcome.Rejected, null, reason)));

    public FakeBuyerTransport PostFails(string contract, string reason = "HTTP 502") =>
        OnPost(contract, _ => Task.FromResult(PostResult.Failed(reason)));

    public FakeBuyerTransport PostNeverAnswers(string contract) => OnPost(contract, async ct =>
    {
        await Task.Delay(Timeout.Infinite, ct);
        throw new UnreachableException();
    });

    public TaskCompletionSource<PostResult> PostAnswersLater(string contract)
    {
        var answer = new TaskCompletionSource<PostResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        OnPost(contract, ct => answer.Task.WaitAsync(ct));
        return answer;
    }

    public FakeBuyerTransport OnPost(string contract, Func<CancellationToken, Task<PostResult>> answer)
    {
        lock (_lock) _postAnswers[contract] = answer;
        return this;
    }

    // ---- synchronisation ----

    // Completes once `count` pings to the contract have been sent (and are awaiting their answer).
    public Task PingStarted(string contract, int count = 1) => Started(post: false, contract, count);

    // Completes once `count` posts to the contract have been sent (and are awaiting their answer).
    public Task PostStarted(string contract, int count = 1) => Started(post: true, contract, count);

    private Task Started(bool post, string contract, int count)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (CountOf(post, contract) >= count) started.SetResult();
            else _waiters.Add((post, contract, count, started));
        }
        return started.Task;
    }

    private int CountOf(bool post, string contract) =>
        post ? _posts.Count(p => p.Contract == contract) : _pings.Count(p => p.Contract == contract);

    private void Signal(bool post, string contract)
    {
        // Called under the lock; the sources run their continuations asynchronously.
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            var w = _waiters[i];
            if (w.Post == post && w.Contract == contract && CountOf(post, contract) >= w.Count)
            {
                _waiters.RemoveAt(i);
                w.Started.SetResult();
            }
        }
    }

    // ---- IBuyerTransport ----

    public Task<PingResult> PingAsync(ContractSnapshot contract, PingRequest request, CancellationToken ct)
    {
        Func<CancellationToken, Task<PingResult>>? answer;
        lock (_lock)
        {
            _pings.Add(new SentPing(contract.Key, request));
            _pingAnswers.TryGetValue(contract.Key, out answer);
            Signal(post: false, contract.Key);
        }
        return answer is null ? Task.FromResult(PingResult.Passed("no answer configured")) : answer(ct);
    }

    public Task<PostResult> PostAsync(ContractSnapshot contract, PostRequest request, CancellationToken ct)
    {
        Func<CancellationToken, Task<PostResult>>? answer;
        lock (_lock)
        {
            _posts.Add(new SentPost(contract.Key, request));
            _postAnswers.TryGetValue(contract.Key, out answer);
            Signal(post: true, contract.Key);
        }
        return answer is null ? Task.FromResult(new PostResult(PostOutcome.Accepted, "b-" + contract.Key)) : answer(ct);
    }
}
