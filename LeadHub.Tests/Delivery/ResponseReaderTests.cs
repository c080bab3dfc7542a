using System.Text.Json;
using LeadHub.Core.Delivery;
using LeadHub.Core.Workspace;

namespace LeadHub.Tests.Delivery;

// Response rules per kind (JSON path, XPath, regex), acceptance, defaults and statuses.
public sealed class ResponseReaderTests
{
    private static ResponseReader Reader(ResponseRules rules, bool ping)
    {
        var errors = new List<string>();
        var reader = ResponseReader.Compile(rules, ping, "$.r", (path, message) => errors.Add($"{path}: {message}"));
        Assert.Empty(errors);
        return reader;
    }

    // {"Success":true,"Payout":"50.00"}
    private static readonly ResponseRules SuccessPayout = new() { Kind = ResponseKinds.Json, Accepted = "$.Success", Bid = "$.Payout", Reason = "$.Message" };

    // <response><status>Matched</status><price>12.5</price></response>
    private static readonly ResponseRules XmlStatus = new()
    {
        Kind = ResponseKinds.Xml, Accepted = "/response/status", AcceptedWhen = "matched", Bid = "/response/price", Reason = "/response/reason",
    };

    // result=accepted&price=12
    private static readonly ResponseRules RegexResult = new()
    {
        Kind = ResponseKinds.Regex, Accepted = "result=(\\w+)", AcceptedWhen = "accepted", Bid = "price=([0-9.]+)", Reason = "reason=([^&]+)",
    };

    [Theory]
    [InlineData("$.a.b", """{"a":{"b":"x"}}""", "x")]
    [InlineData("$.a[1].b", """{"a":[{"b":1},{"b":2.50}]}""", "2.50")]
    [InlineData("$['a b'].c", """{"a b":{"c":true}}""", "true")]
    [InlineData("$[\"x.y\"]", """{"x.y":"dotted"}""", "dotted")]
    [InlineData("$[0]", """["first"]""", "first")]
    [InlineData("$.a", """{"a":{"n":1}}""", """{"n":1}""")]
    [InlineData("$.missing", """{"a":1}""", null)]
    [InlineData("$.a", """{"a":null}""", null)]
    [InlineData("$.a[5]", """{"a":[1]}""", null)]
    [InlineData("$.A", """{"a":1}""", null)]
    public void Json_path_subset_finds_values(string path, string json, string? expected)
    {
        Assert.True(SimpleJsonPath.TryParse(path, out var parsed, out var problem), problem);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(expected, parsed!.Find(doc.RootElement));
    }

    [Theory]
    [InlineData("a.b")]
    [InlineData("$..a")]
    [InlineData("$.a[*]")]
    [InlineData("$.*")]
    [InlineData("$[?(@.x)]")]
    [InlineData("$['a")]
    [InlineData("$.a[1")]
    [InlineData("$.")]
    [InlineData("$a")]
    public void Json_paths_outside_the_subset_are_refused(string path)
    {
        Assert.False(SimpleJsonPath.TryParse(path, out _, out var problem));
        Assert.False(string.IsNullOrWhiteSpace(problem));
    }

    [Fact]
    public void Json_string_payout_is_a_bid()
    {
        var result = Reader(SuccessPayout, ping: true).ReadPing(200, """{"Success":true,"Payout":"50.00"}""");

        Assert.Equal(new PingResult(PingOutcome.Bid, 50.00m), result);
    }

    [Fact]
    public void Json_not_successful_is_a_pass_with_its_reason()
    {
        var result = Reader(SuccessPayout, ping: true).ReadPing(200, """{"Success":false,"Message":"out of area"}""");

        Assert.Equal(PingResult.Passed("out of area"), result);
    }

    [Fact]
    public void Missing_bid_takes_the_default_outcome()
    {
        const string body = """{"Success":true}""";
        Assert.Equal(PingOutcome.Error, Reader(SuccessPayout, ping: true).ReadPing(200, body).Outcome);
        Assert.Equal(PingOutcome.Pass, Reader(SuccessPayout with { DefaultOutcome = DefaultOutcomes.Pass }, ping: true).ReadPing(200, body).Outcome);
    }

    [Theory]
    [InlineData("\"$50.00\"", PingOutcome.Bid, "50")]
    [InlineData("12.346", PingOutcome.Error, "0")]
    [InlineData("12.3400", PingOutcome.Bid, "12.34")]
    [InlineData("\"0\"", PingOutcome.Pass, "0")]
    [InlineData("-3", PingOutcome.Error, "0")]
    [InlineData("\"12,50\"", PingOutcome.Error, "0")]
    [InlineData("\"lots\"", PingOutcome.Error, "0")]
    public void Bids_are_read_as_money(string payout, PingOutcome outcome, string bid)
    {
        var result = Reader(SuccessPayout, ping: true).ReadPing(200, $$"""{"Success":true,"Payout":{{payout}}}""");

        Assert.Equal(outcome, result.Outcome);
        Assert.Equal(decimal.Parse(bid, System.Globalization.CultureInfo.InvariantCulture), result.Bid);
    }

    [Fact]
    public void Json_post_acceptance_with_buyer_lead_id_and_rejection_reason()
    {
        var reader = Reader(new ResponseRules { Accepted = "$.Success", BuyerLeadId = "$.Lead.Id", Reason = "$.Errors[0]" }, ping: false);

        Assert.Equal(new PostResult(PostOutcome.Accepted, "J-77"), reader.ReadPost(200, """{"Success":true,"Lead":{"Id":"J-77"}}"""));
        Assert.Equal(new PostResult(PostOutcome.Rejected, null, "duplicate"), reader.ReadPost(200, """{"Success":false,"Errors":["duplicate"]}"""));
        Assert.Equal(new PostResult(PostOutcome.Rejected, null, "rejected"), reader.ReadPost(200, """{"Success":"FALSE"}"""));
        Assert.Equal(PostResult.Failed("no accepted flag in answer"), reader.ReadPost(200, "{}"));
        Assert.Equal(PostResult.Failed("unparsable answer"), reader.ReadPost(200, "<html/>"));
    }

    [Fact]
    public void Post_default_outcome_can_be_a_rejection()
    {
        var reader = Reader(new ResponseRules { Accepted = "$.ok", DefaultOutcome = DefaultOutcomes.Rejected }, ping: false);

        Assert.Equal(PostOutcome.Rejected, reader.ReadPost(200, "{}").Outcome);
    }

    [Fact]
    public void Post_without_an_accepted_rule_is_accepted_by_a_success_status()
    {
        var reader = Reader(new ResponseRules { Kind = ResponseKinds.Regex, BuyerLeadId = "id=(\\w+)" }, ping: false);

        Assert.Equal(new PostResult(PostOutcome.Accepted, "B7"), reader.ReadPost(201, "ok id=B7"));
        Assert.Equal(PostResult.Failed("HTTP 500"), reader.ReadPost(500, "id=B7"));
    }

    [Fact]
    public void Xml_matched_status_with_price_is_a_bid_case_insensitively()
    {
        var reader = Reader(XmlStatus, ping: true);

        Assert.Equal(new PingResult(PingOutcome.Bid, 12.5m),
            reader.ReadPing(200, "<response><status>Matched</status><price>12.5</price></response>"));
        Assert.Equal(PingResult.Passed("no coverage"),
            reader.ReadPing(200, "<response><status>NoMatch</status><reason>no coverage</reason></response>"));
        Assert.Equal(PingResult.Failed("unparsable answer"), reader.ReadPing(200, "<response><status>"));
    }

    [Fact]
    public void Xml_answers_with_a_dtd_are_refused_not_expanded()
    {
        const string body = """<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "12">]><response><status>Matched</status><price>&x;</price></response>""";

        Assert.Equal(PingResult.Failed("unparsable answer"), Reader(XmlStatus, ping: true).ReadPing(200, body));
    }

    [Fact]
    public void Xpath_functions_and_attributes_work()
    {
        var reader = Reader(new ResponseRules { Kind = ResponseKinds.Xml, Bid = "number(//*[local-name()='Offer']/@amount)" }, ping: true);

        Assert.Equal(new PingResult(PingOutcome.Bid, 7.25m),
            reader.ReadPing(200, """<r xmlns="urn:buyer"><Offer amount="7.25"/></r>"""));
    }

    [Fact]
    public void Regex_rules_read_a_plain_text_answer()
    {
        var reader = Reader(RegexResult, ping: true);

        Assert.Equal(new PingResult(PingOutcome.Bid, 12m), reader.ReadPing(200, "result=accepted&price=12"));
        Assert.Equal(PingResult.Passed("dup"), reader.ReadPing(200, "result=rejected&reason=dup"));
        Assert.Equal(PingResult.Failed("no bid in answer"), reader.ReadPing(200, "garbage"));
    }

    [Fact]
    public void Accepted_can_be_a_regex()
    {
        var reader = Reader(new ResponseRules { Accepted = "$.status", AcceptedMatches = "^(?i:ok|success)$" }, ping: false);

        Assert.Equal(PostOutcome.Accepted, reader.ReadPost(200, """{"status":"SUCCESS"}""").Outcome);
        Assert.Equal(PostOutcome.Rejected, reader.ReadPost(200, """{"status":"okay"}""").Outcome);
    }

    [Fact]
    public void Configured_statuses_are_answers_and_others_are_errors()
    {
        var reader = Reader(SuccessPayout with { SuccessStatuses = [200, 422] }, ping: true);

        Assert.Equal(PingResult.Passed("bad zip"), reader.ReadPing(422, """{"Success":false,"Message":"bad zip"}"""));
        Assert.Equal(PingResult.Failed("HTTP 201"), reader.ReadPing(201, """{"Success":true,"Payout":5}"""));
        Assert.Equal(PingOutcome.Bid, Reader(SuccessPayout, ping: true).ReadPing(204, """{"Success":true,"Payout":5}""").Outcome);
    }
}
