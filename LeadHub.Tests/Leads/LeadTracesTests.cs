using LeadHub.Core.Leads;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;

namespace LeadHub.Tests.Leads;

// A lead's ping steps are stored as one row (TracePingsRow); what reads a trace must get back
// exactly the steps the auction wrote, from rows written in either form.
public sealed class LeadTracesTests
{
    private static readonly Guid LeadId = Guid.CreateVersion7();
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 6, 39, 3, TimeSpan.Zero);

    [Fact]
    public void A_leads_pings_read_back_exactly_as_written_gaps_in_their_sequence_and_sub_millisecond_times_included()
    {
        List<TraceStepRow> pings =
        [
            Ping(3, "b0", "bid", 7.99m, Start.AddTicks(5_734_781)),
            Ping(4, "b1", "pass", null, Start.AddTicks(5_734_898)),
            Ping(5, "b2", "timeout", null, Start.AddTicks(5_742_231), reason: "no answer in 500 ms", tier: 1),
            // A second tier's pings after the posts of the first: the sequence jumps.
            Ping(9, "b3", "bid", 13.42m, Start.AddSeconds(1).AddTicks(7), price: 12m),
            Ping(10, "b4", "bid", 0.01m, Start.AddSeconds(1).AddTicks(8)),
        ];

        var read = LeadTraces.Unpack(LeadTraces.Pack(pings)).ToList();

        Assert.Equal(pings.Select(Fields), read.Select(Fields));
    }

    [Fact]
    public void A_leads_ten_pings_store_one_timestamp_and_no_sequence_numbers()
    {
        var pings = Enumerable.Range(0, 10).Select(i => Ping(i, $"bench-b{i}", "bid", 10m + i, Start.AddTicks(i * 1_234))).ToList();

        var json = LeadTraces.Pack(pings).StepsJson;

        Assert.Single(System.Text.RegularExpressions.Regex.Matches(json, "\"At\""));
        Assert.DoesNotContain("\"Seq\"", json);
    }

    [Fact]
    public void Ping_rows_written_before_the_compact_form_read_the_same()
    {
        var row = new TracePingsRow
        {
            LeadId = LeadId, Seq = 0,
            StepsJson = """
                [{"Seq":0,"Buyer":"bench-b0","Contract":"bench-b0-c","Tier":0,"Outcome":"bid","Bid":7.99,"LatencyMs":142,"At":"2026-12-04T06:39:03.573478+00:00"},
                 {"Seq":2,"Buyer":"bench-b1","Contract":"bench-b1-c","Tier":0,"Outcome":"bid","Bid":10.02,"LatencyMs":133,"At":"2026-12-04T06:39:03.5734898+00:00"}]
                """,
        };

        var read = LeadTraces.Unpack(row).ToList();

        Assert.Equal([0, 2], read.Select(s => s.Seq));
        Assert.Equal([Start.AddTicks(5_734_780), Start.AddTicks(5_734_898)], read.Select(s => s.At));
        Assert.Equal([7.99m, 10.02m], read.Select(s => s.Bid!.Value));
        Assert.All(read, s => Assert.Equal((LeadId, TraceKinds.Ping), (s.LeadId, s.Kind)));
    }

    private static TraceStepRow Ping(int seq, string buyer, string outcome, decimal? bid, DateTimeOffset at,
        string? reason = null, int? tier = 0, decimal? price = null) => new()
    {
        LeadId = LeadId, Seq = seq, Kind = TraceKinds.Ping, Buyer = buyer, Contract = buyer + "-c", Tier = tier, Outcome = outcome,
        Bid = bid, Price = price, Reason = reason, LatencyMs = 100 + seq, At = at,
    };

    private static object Fields(TraceStepRow s) =>
        (s.LeadId, s.Seq, s.Kind, s.Buyer, s.Contract, s.Tier, s.Outcome, s.Bid, s.Price, s.Reason, s.LatencyMs, s.At, s.At.Offset);
}
