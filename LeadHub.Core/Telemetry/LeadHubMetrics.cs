using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using LeadHub.Core.Delivery;

namespace LeadHub.Core.Telemetry;

// LeadHub's own figures, declared once: every instrument is here, README "Metrics" lists them.
// An instrument nobody listens to costs a branch, so the hot path records unconditionally.
// Labels are keys an operator configured (buyer, contract) and fixed outcome words: never a
// lead's fields, never a buyer's URL or credentials.
public static class LeadHubMetrics
{
    public const string MeterName = "LeadHub";
    private static readonly Meter Meter = new(MeterName, "1.0");

    // Traces, off unless LeadHub:Tracing:OtlpEndpoint is set: one `lead` span per lead taken in
    // or routed, tagged with its id; pings and posts appear under it as HttpClient spans.
    public static readonly System.Diagnostics.ActivitySource Traces = new(MeterName, "1.0");

    public static readonly Counter<long> Leads = Meter.CreateCounter<long>(
        "leadhub.leads", "{lead}", "Leads answered to publishers, by final status");

    public static readonly Histogram<double> AuctionDuration = Meter.CreateHistogram<double>(
        "leadhub.auction.duration", "ms", "From the first ping to the sale or the last tier");

    public static readonly Histogram<double> PostDuration = Meter.CreateHistogram<double>(
        "leadhub.post.duration", "ms", "One post to a buyer, by buyer and outcome");

    public static readonly Counter<long> Pings = Meter.CreateCounter<long>(
        "leadhub.pings", "{ping}", "Pings sent to buyers, by buyer and outcome");

    public static readonly Counter<long> CapRefusals = Meter.CreateCounter<long>(
        "leadhub.cap.refusals", "{post}", "Posts not sent because a contract's cap was full");

    public static readonly Histogram<int> WriterBatchSize = Meter.CreateHistogram<int>(
        "leadhub.writer.batch.size", "{write}", "Lead writes committed together");

    public static readonly Histogram<double> WriterCommitDuration = Meter.CreateHistogram<double>(
        "leadhub.writer.commit.duration", "ms", "The lead writer's transaction commit");

    // 0 closed, 1 half-open (the next request probes), 2 open, per contract of every live node.
    private static readonly ConditionalWeakTable<BuyerHealth, object?> Healths = new();

    static LeadHubMetrics() => Meter.CreateObservableGauge("leadhub.circuit.state", ObserveCircuits, "{state}",
        "A contract's circuit breaker: 0 closed, 1 half-open, 2 open");

    public static void Lead(string status)
    {
        if (!Muted) Leads.Add(1, new KeyValuePair<string, object?>("status", status));
    }

    public static void Auctioned(TimeSpan took)
    {
        if (!Muted) AuctionDuration.Record(took.TotalMilliseconds);
    }

    // The revenue lab's replay runs the real Auction on recorded answers, and a starting node's
    // warm-up runs leads through its own lane (WarmUpLane): their leads, pings, posts, cap refusals,
    // commits and circuits are not live traffic, so they mute them on their own threads.
    private static readonly AsyncLocal<bool> muted = new();
    public static bool Muted { get => muted.Value; set => muted.Value = value; }

    public static void Ping(string buyer, string outcome)
    {
        if (!Muted) Pings.Add(1, new("buyer", buyer), new("outcome", outcome));
    }

    public static void Post(string buyer, string outcome, double milliseconds)
    {
        if (!Muted) PostDuration.Record(milliseconds, new("buyer", buyer), new("outcome", outcome));
    }

    public static void CapRefused(string contract)
    {
        if (!Muted) CapRefusals.Add(1, new KeyValuePair<string, object?>("contract", contract));
    }

    public static void WriterCommitted(int batchSize, TimeSpan commit)
    {
        if (Muted) return;
        WriterBatchSize.Record(batchSize);
        WriterCommitDuration.Record(commit.TotalMilliseconds);
    }

    internal static void Observe(BuyerHealth health)
    {
        if (!Muted) Healths.AddOrUpdate(health, null);
    }

    private static IEnumerable<Measurement<int>> ObserveCircuits()
    {
        foreach (var (health, _) in Healths)
        foreach (var (buyer, contract, state) in health.Circuits())
            yield return new Measurement<int>(state, new("buyer", buyer), new("contract", contract));
    }
}
