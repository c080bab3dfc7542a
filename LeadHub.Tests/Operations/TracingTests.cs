using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Telemetry;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace LeadHub.Tests.Operations;

// Traces are off unless an OTLP collector is configured; when on, each routed lead is a span named
// by its id, with the buyer calls under it.
public sealed class TracingTests
{
    [Fact]
    public async Task Traces_are_off_unless_an_otlp_endpoint_is_configured()
    {
        await using var plain = new LeadHubFactory();
        Assert.Null(plain.Services.GetService<TracerProvider>());
    }

    [Fact]
    public async Task With_an_otlp_endpoint_a_sold_lead_is_a_span_tagged_with_its_id()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == LeadHubMetrics.MeterName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var buyers = await LoopbackBuyers.StartAsync();
        await using var host = new TracingHost();
        Assert.NotNull(host.Services.GetService<TracerProvider>());

        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("trace"));
        var buyer = TestWorkspace.Unique("tracebuyer");
        buyers.Set(buyer, new BuyerBehaviour { Ping = BuyerAnswer.Bid(12), Post = BuyerAnswer.Accept() });
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers = [TestWorkspace.Buyer(buyer, TestWorkspace.PingPost(buyer + "-c", campaign.Key, buyers.PingUrl(buyer), buyers.PostUrl(buyer), 0, 1000))],
        });
        using var publisher = host.Publisher(apiKey);
        var answer = await (await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign.Key))).Content.ReadFromJsonAsync<JsonElement>();
        var leadId = answer.GetProperty("leadId").GetGuid();

        Assert.Contains(spans, s => s.OperationName == "lead.route" && Equals(s.GetTagItem("leadhub.lead_id"), leadId));
    }

    private sealed class TracingHost : LeadHubFactory
    {
        // Nothing listens there: the exporter's failures stay inside the exporter.
        protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => [new("LeadHub:Tracing:OtlpEndpoint", "http://127.0.0.1:9")];
    }
}
