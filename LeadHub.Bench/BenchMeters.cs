using System.Globalization;
using System.Net.Http.Headers;

namespace LeadHub.Bench;

// What LeadHub's own meters said during a run, read from its Prometheus endpoint (README
// "Operating LeadHub"): the same figures an operator scrapes in production, beside the bench's.
public sealed record MeterReading(IReadOnlyDictionary<string, double> Series)
{
    // Every series of this name, or only those with this label (`status="sold"`), summed.
    public double Sum(string name, string? label = null) => Series
        .Where(s => (s.Key == name && label is null) || (s.Key.StartsWith(name + "{", StringComparison.Ordinal) && (label is null || s.Key.Contains(label, StringComparison.Ordinal))))
        .Sum(s => s.Value);

    private double? Mean(string histogram) => Sum(histogram + "_count") is > 0 and var n ? Sum(histogram + "_sum") / n : null;

    public double? WriterBatchMean => Mean("leadhub_writer_batch_size");
    public double? WriterCommitMeanMs => Mean("leadhub_writer_commit_duration_milliseconds");
    public double? AuctionMeanMs => Mean("leadhub_auction_duration_milliseconds");

    public string Summary(string target) => string.Create(CultureInfo.InvariantCulture,
        $"  {target,-9} its own meters: {Sum("leadhub_leads_total", "status=\"sold\""):0} sold, {Sum("leadhub_leads_total"):0} answered, " +
        $"{Sum("leadhub_pings_total"):0} pings; writer batch mean {WriterBatchMean:0.0} writes, commit mean {WriterCommitMeanMs:0.00} ms; " +
        $"auction mean {AuctionMeanMs:0.0} ms");
}

public sealed class BenchMeters(Uri url, string token)
{
    public async Task<MeterReading?> ScrapeAsync(CancellationToken ct = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode) return null;
        return Parse(await response.Content.ReadAsStringAsync(ct));
    }

    // Prometheus text format: `name{labels} value [timestamp]`; comments start with #.
    public static MeterReading Parse(string text)
    {
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var end = line.LastIndexOf('}') is >= 0 and var brace ? brace + 1 : line.IndexOf(' ');
            if (end <= 0 || end >= line.Length) continue;
            var rest = line[end..].Trim().Split(' ');
            if (double.TryParse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) series[line[..end]] = value;
        }
        return new MeterReading(series);
    }
}
