using System.Collections.Concurrent;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Leads;

// A token bucket per publisher (CONTRACT §1: 429 with Retry-After). A burst of one second's
// worth is allowed, then requests are admitted at the configured rate.
public sealed class PublisherRateLimiter(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new();

    private sealed class Bucket
    {
        public double Tokens;
        public long LastTimestamp;
    }

    // Returns null when admitted, else how long until the next request would be.
    public TimeSpan? TryAcquire(PublisherSnapshot publisher)
    {
        if (publisher.Config.RateLimitPerSecond is not { } rate || rate <= 0) return null;
        var now = time.GetTimestamp();
        var bucket = _buckets.GetOrAdd(publisher.Key, _ => new Bucket { Tokens = rate, LastTimestamp = now });
        lock (bucket)
        {
            var elapsed = time.GetElapsedTime(bucket.LastTimestamp, now).TotalSeconds;
            bucket.Tokens = Math.Min(rate, bucket.Tokens + elapsed * rate);
            bucket.LastTimestamp = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                return null;
            }
            return TimeSpan.FromSeconds((1 - bucket.Tokens) / rate);
        }
    }
}
