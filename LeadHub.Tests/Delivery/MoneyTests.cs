using System.Globalization;
using System.Text.Json;
using LeadHub.Core.Delivery;
using LeadHub.Core.Workspace;

namespace LeadHub.Tests.Delivery;

// A bid is money a buyer will be invoiced: it is read as exactly the amount a person would read,
// or refused with the reason, on every path (reference protocol and formats alike).
public sealed class MoneyTests
{
    [Theory]
    [InlineData("12.50", "12.50")]
    [InlineData("12.5", "12.50")]
    [InlineData(" 12 ", "12")]
    [InlineData("$12.50", "12.50")]
    [InlineData("USD 12.50", "12.50")]
    [InlineData("12.50 USD", "12.50")]
    [InlineData("1,250.00", "1250.00")]
    [InlineData("12,345,678.00", null)]
    [InlineData("0", "0")]
    [InlineData("12.5000", "12.50")]
    [InlineData("12,50", null)]
    [InlineData("1,250", null)]
    [InlineData("1,25.00", null)]
    [InlineData("12.505", null)]
    [InlineData("1e30", null)]
    [InlineData("1E2", null)]
    [InlineData("NaN", null)]
    [InlineData("Infinity", null)]
    [InlineData("-5", null)]
    [InlineData("-0.01", null)]
    [InlineData("", null)]
    [InlineData("12.", null)]
    [InlineData(".5", null)]
    [InlineData("12.5.0", null)]
    [InlineData("0x10", null)]
    [InlineData("1000001", null)]
    public void An_amount_is_read_exactly_as_a_person_reads_it_or_refused(string text, string? expected)
    {
        var ok = Money.TryParse(text, out var amount, out var problem);

        Assert.Equal(expected is not null, ok);
        if (expected is null) Assert.False(string.IsNullOrEmpty(problem));
        else Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture), amount);
    }

    [Theory]
    [InlineData("12.5", "12.50")]
    [InlineData("1e30", null)]
    [InlineData("-1", null)]
    [InlineData("true", null)]
    [InlineData("\"12,50\"", null)]
    public void Json_numbers_are_read_from_their_text(string json, string? expected)
    {
        using var doc = JsonDocument.Parse(json);
        var ok = Money.TryRead(doc.RootElement, out var amount, out _);

        Assert.Equal(expected is not null, ok);
        if (expected is not null) Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture), amount);
    }

    private static ResponseReader ReferencePing(decimal? maxBid = null) =>
        ResponseReader.Compile(ReferenceFormat.Ping.Response!, true, "$", (p, m) => Assert.Fail($"{p}: {m}"), maxBid: maxBid);

    // The path a reference-protocol buyer takes: "12,50" once sold at 1,250.00.
    [Theory]
    [InlineData("""{"bid":"12,50"}""", PingOutcome.Error, "0")]
    [InlineData("""{"bid":"1,250.00"}""", PingOutcome.Bid, "1250.00")]
    [InlineData("""{"bid":"$12.50"}""", PingOutcome.Bid, "12.50")]
    [InlineData("""{"bid":1e30}""", PingOutcome.Error, "0")]
    [InlineData("""{"bid":"NaN"}""", PingOutcome.Error, "0")]
    [InlineData("""{"bid":-4}""", PingOutcome.Error, "0")]
    [InlineData("""{"bid":12.5}""", PingOutcome.Bid, "12.50")]
    [InlineData("""{"bid":0}""", PingOutcome.Pass, "0")]
    [InlineData("""{"decision":"pass"}""", PingOutcome.Pass, "0")]
    [InlineData("""{"decision":"PASS","bid":9}""", PingOutcome.Pass, "0")]
    [InlineData("""{}""", PingOutcome.Error, "0")]
    [InlineData("""[1]""", PingOutcome.Error, "0")]
    public void Reference_protocol_bids_go_through_the_one_money_parser(string body, PingOutcome outcome, string bid)
    {
        var result = ReferencePing().ReadPing(200, body);

        Assert.Equal(outcome, result.Outcome);
        Assert.Equal(decimal.Parse(bid, CultureInfo.InvariantCulture), result.Bid);
    }

    [Fact]
    public void A_bid_above_the_max_bid_is_an_error_with_the_reason_never_a_sale()
    {
        var result = ReferencePing(maxBid: 100m).ReadPing(200, """{"bid":1250}""");

        Assert.Equal(PingOutcome.Error, result.Outcome);
        Assert.Contains("above the max bid 100.00", result.Reason);
        Assert.Equal(PingOutcome.Bid, ReferencePing(maxBid: 100m).ReadPing(200, """{"bid":100}""").Outcome);
    }

    [Fact]
    public void The_lower_of_the_contract_and_campaign_max_bid_holds()
    {
        Assert.Equal(40m, CompiledFormat.MaxBid(40m, 100m));
        Assert.Equal(40m, CompiledFormat.MaxBid(100m, 40m));
        Assert.Equal(100m, CompiledFormat.MaxBid(null, 100m));
        Assert.Null(CompiledFormat.MaxBid(null, null));
    }
}
