using LeadHub.Bench;

namespace LeadHub.Tests.Bench;

public sealed class BenchMetersTests
{
    [Fact]
    public void The_bench_reads_leadhubs_own_figures_from_a_prometheus_scrape()
    {
        var reading = BenchMeters.Parse("""
            # TYPE leadhub_leads_total counter
            leadhub_leads_total{otel_scope_name="LeadHub",status="sold"} 90 1764670000000
            leadhub_leads_total{otel_scope_name="LeadHub",status="unsold"} 10 1764670000000
            leadhub_writer_batch_size_sum 100
            leadhub_writer_batch_size_count 25
            leadhub_writer_commit_duration_milliseconds_sum 12.5
            leadhub_writer_commit_duration_milliseconds_count 25
            leadhub_pings_total{buyer="b-1",outcome="bid"} 400
            """);

        Assert.Equal(100, reading.Sum("leadhub_leads_total"));
        Assert.Equal(90, reading.Sum("leadhub_leads_total", "status=\"sold\""));
        Assert.Equal(4.0, reading.WriterBatchMean);
        Assert.Equal(0.5, reading.WriterCommitMeanMs);
        Assert.Null(reading.AuctionMeanMs);
        Assert.Contains("writer batch mean 4.0 writes", reading.Summary("LeadHub"));
    }
}
