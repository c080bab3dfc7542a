using System.Text.Json.Nodes;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Delivery;

public sealed record PingRequest(string PingId, string Campaign, JsonObject Fields);

// `Captured`: what the contract's rules kept from this buyer's ping answer (its lead id, token,
// chosen bid id), sent back with the post.
public sealed record PostRequest(string PingId, Guid LeadId, decimal Price, JsonObject Fields,
    IReadOnlyDictionary<string, string>? Captured = null);

public enum PingOutcome { Bid, Pass, Timeout, Error }

public sealed record PingResult(PingOutcome Outcome, decimal Bid = 0, string? Reason = null,
    IReadOnlyDictionary<string, string>? Captured = null)
{
    // A buyer's price for the lead shared (README "Shared leads"), when its answer carries one.
    public decimal? SharedBid { get; init; }

    public static PingResult Passed(string? reason = null, IReadOnlyDictionary<string, string>? captured = null) =>
        new(PingOutcome.Pass, 0, reason, captured);
    public static PingResult TimedOut() => new(PingOutcome.Timeout, 0, "timeout");
    public static PingResult Failed(string reason) => new(PingOutcome.Error, 0, reason);
}

public enum PostOutcome { Accepted, Rejected, Timeout, Error }

public sealed record PostResult(PostOutcome Outcome, string? BuyerLeadId = null, string? Reason = null,
    IReadOnlyDictionary<string, string>? Captured = null)
{
    public static PostResult TimedOut() => new(PostOutcome.Timeout, null, "timeout");
    public static PostResult Failed(string reason) => new(PostOutcome.Error, null, reason);
}

// How a ping or post reaches a buyer. The cancellation token carries the deadline: when it
// fires the implementation answers Timeout rather than throwing.
public interface IBuyerTransport
{
    Task<PingResult> PingAsync(ContractSnapshot contract, PingRequest request, CancellationToken ct);

    Task<PostResult> PostAsync(ContractSnapshot contract, PostRequest request, CancellationToken ct);
}
