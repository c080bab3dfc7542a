using System.Threading.RateLimiting;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Leads;

// A token bucket per publisher (CONTRACT §1: 429 with Retry-After), from System.Threading.RateLimiting:
// a burst of one second's worth, then requests admitted at the configured rate. The partition is
// keyed by publisher and rate, so a changed rate starts a fresh bucket; idle ones are dropped.
public sealed class PublisherRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<PublisherSnapshot> _limiter =
        PartitionedRateLimiter.Create<PublisherSnapshot, (string Publisher, int Rate)>(publisher =>
            publisher.Config.RateLimitPerSecond is { } rate and > 0
                ? RateLimitPartition.GetTokenBucketLimiter((Publisher: publisher.Key, Rate: rate), key => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = key.Rate,
                    TokensPerPeriod = 1,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1.0 / key.Rate),
                    AutoReplenishment = true,
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter((Publisher: publisher.Key, Rate: 0)));

    // Returns null when admitted, else how long until the next request would be.
    public TimeSpan? TryAcquire(PublisherSnapshot publisher)
    {
        using var lease = _limiter.AttemptAcquire(publisher);
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
    }

    public void Dispose() => _limiter.Dispose();
}
