using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Api;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Delivery;

// Real buyers' conventions end to end through the host and real loopback buyers: what a ping
// answer gives reaches the post (also on a publisher's held bid), credentials from write-only
// secrets, agreed prices, DOCTYPE answers, and bids that are not money never sell.
public sealed class RealBuyerConventionsOverHttpTests(LogCapturingLeadHubFactory host) : IClassFixture<LogCapturingLeadHubFactory>, IAsyncLifetime
{
    private LoopbackBuyers _buyers = null!;

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync() => await _buyers.DisposeAsync();

    private static JsonElement E(object value) => JsonSerializer.SerializeToElement(value);

    private async Task<(string Campaign, HttpClient Publisher, string Buyer, string ApiKey)> SetUpAsync(string name, Func<string, ContractConfig, ContractConfig> configure,
        BuyerBehaviour behaviour, decimal? campaignMaxBid = null)
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("conv"), auctionTimeoutMs: 10_000) with { MaxBid = campaignMaxBid };
        var buyer = TestWorkspace.Unique(name);
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        _buyers.Set(buyer, behaviour);
        var contract = TestWorkspace.PingPost(buyer + "-c", campaign.Key, _buyers.PingUrl(buyer), _buyers.PostUrl(buyer), timeoutMs: 5000);
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers = [TestWorkspace.Buyer(buyer, configure(buyer, contract))],
        });
        return (campaign.Key, host.Publisher(apiKey), buyer, apiKey);
    }

    private async Task<(JsonElement Answer, JsonElement Lead)> SellAsync(HttpClient publisher, string campaign)
    {
        var answer = await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign)));
        return (answer, await AdminReads.LeadAsync(host, answer.GetProperty("leadId").GetGuid()));
    }

    private static IEnumerable<JsonElement> Steps(JsonElement lead, string kind) =>
        lead.GetProperty("trace").EnumerateArray().Where(s => s.GetProperty("kind").GetString() == kind);

    // boberdoo / Service Direct / QuinStreet style: the ping answer's lead id and token go back with
    // the post, in its URL, a header and the body; the key comes from a write-only secret.
    private ContractConfig TokenToPost(string buyer, ContractConfig c) => c with
    {
        PostUrl = _buyers.PostUrl(buyer) + "?token={{ captured.lead_token }}",
        Format = new BuyerFormat
        {
            Secrets = new() { ["api_key"] = "sk-live-7781", ["user"] = "acme", ["pass"] = "pw-3321" },
            Ping = new PhaseFormat
            {
                ContentType = ContentTypes.Form,
                Static = new() { ["Key"] = E("{{ secrets.api_key }}") },
                Headers = new() { ["Authorization"] = "Basic {{ secrets.user }}:{{ secrets.pass }} Token {{ secrets.api_key }}" },
                Response = new ResponseRules
                {
                    Accepted = "$.status", AcceptedWhen = "matched", Bid = "$.price",
                    Capture = new() { ["buyer_lead_id"] = "$.lead_id", ["lead_token"] = "$.token" },
                },
            },
            Post = new PhaseFormat
            {
                ContentType = ContentTypes.Form,
                Meta = new() { ["captured.buyer_lead_id"] = "Lead_ID" },
                Headers = new() { ["X-Api-Key"] = "{{ secrets.api_key }}", ["X-Token"] = "{{ captured.lead_token }}" },
                Response = new ResponseRules { Accepted = "$.status", AcceptedWhen = "accepted" },
            },
        },
    };

    private static BuyerBehaviour Matched(string price = "\"12.50\"") => new()
    {
        Ping = BuyerAnswer.Raw($$"""{"status":"matched","lead_id":"B-3657","token":"t/ok 1","price":{{price}}}""", "application/json"),
        Post = BuyerAnswer.Raw("""{"status":"accepted"}""", "application/json"),
    };

    [Fact]
    public async Task A_ping_answers_lead_id_and_token_reach_the_post_url_headers_and_body()
    {
        var (campaign, publisher, buyer, _) = await SetUpAsync("token", TokenToPost, Matched());

        var (answer, lead) = await SellAsync(publisher, campaign);

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        var ping = Assert.Single(_buyers.CallsTo(buyer, "ping"));
        Assert.Contains("Key=sk-live-7781", ping.RawBody);
        Assert.Equal("Basic acme:pw-3321 Token sk-live-7781", ping.Headers["Authorization"]);
        var post = Assert.Single(_buyers.CallsTo(buyer, "post"));
        Assert.Equal("?token=t%2Fok%201", post.Query);
        Assert.Contains("Lead_ID=B-3657", post.RawBody);
        Assert.Equal("t/ok 1", post.Headers["X-Token"]);
        Assert.Equal("sk-live-7781", post.Headers["X-Api-Key"]);
        // The trace shows what was captured, never the secrets.
        var pingStep = Assert.Single(Steps(lead, "ping"));
        Assert.Contains("buyer_lead_id=B-3657", pingStep.GetProperty("reason").GetString());
        Assert.DoesNotContain("sk-live-7781", lead.GetRawText());
        Assert.DoesNotContain("pw-3321", lead.GetRawText());
    }

    [Fact]
    public async Task A_held_bid_posted_later_still_carries_its_captured_values()
    {
        var (campaign, publisher, buyer, _) = await SetUpAsync("held", TokenToPost, Matched());
        var ping = await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync("/api/v1/pings", new
        {
            campaign, fields = new { zip = "94107", state = "CA", age = 34, homeowner = true, tcpa_consent = true },
        }));

        var answer = await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync(
            $"/api/v1/pings/{ping.GetProperty("pingId").GetGuid()}/post", TestWorkspace.Lead(campaign)));

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Single(_buyers.CallsTo(buyer, "ping"));
        var post = Assert.Single(_buyers.CallsTo(buyer, "post"));
        Assert.Equal("?token=t%2Fok%201", post.Query);
        Assert.Contains("Lead_ID=B-3657", post.RawBody);
    }

    [Fact]
    public async Task A_matched_ping_without_a_price_sells_at_the_agreed_price()
    {
        var (campaign, publisher, _, _) = await SetUpAsync("agreed", (b, c) => c with
        {
            Price = 18.00m,
            Format = new BuyerFormat
            {
                Ping = new PhaseFormat { Response = new ResponseRules { Accepted = "$.status", AcceptedWhen = "Matched" } },
            },
        }, new BuyerBehaviour
        {
            Ping = BuyerAnswer.Raw("""{"status":"Matched","lead_id":"3658"}""", "application/json"),
            Post = BuyerAnswer.Accept(),
        });

        var (answer, lead) = await SellAsync(publisher, campaign);

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Equal(18.00m, lead.GetProperty("price").GetDecimal());
    }

    [Theory]
    [InlineData("\"12,50\"", "unsold", null)]
    [InlineData("\"1,250.00\"", "unsold", "above the max bid")]
    [InlineData("1e30", "unsold", null)]
    [InlineData("\"NaN\"", "unsold", null)]
    [InlineData("-12.5", "unsold", null)]
    [InlineData("\"$12.50\"", "sold", null)]
    public async Task A_reference_buyer_bid_is_money_or_an_error_never_a_rescaled_sale(string bid, string status, string? reason)
    {
        var (campaign, publisher, _, _) = await SetUpAsync("money", (_, c) => c, new BuyerBehaviour
        {
            Ping = BuyerAnswer.Raw($$"""{"bid":{{bid}}}""", "application/json"),
            Post = BuyerAnswer.Accept(),
        }, campaignMaxBid: 500m);

        var (answer, lead) = await SellAsync(publisher, campaign);

        Assert.Equal(status, answer.GetProperty("status").GetString());
        if (status == "sold") Assert.Equal(12.50m, lead.GetProperty("price").GetDecimal());
        else
        {
            var step = Assert.Single(Steps(lead, "ping"));
            Assert.Equal("error", step.GetProperty("outcome").GetString());
            if (reason is not null) Assert.Contains(reason, step.GetProperty("reason").GetString());
            Assert.Empty(Steps(lead, "post"));
        }
    }

    [Fact]
    public async Task An_xml_answer_with_a_doctype_is_read_and_billed()
    {
        var (campaign, publisher, _, _) = await SetUpAsync("doctype", (_, c) => c with
        {
            Format = new BuyerFormat
            {
                Post = new PhaseFormat
                {
                    ContentType = ContentTypes.Form,
                    Response = new ResponseRules { Kind = ResponseKinds.Xml, Accepted = "/response/result", AcceptedWhen = "success", BuyerLeadId = "/response/lead_id" },
                },
            },
        }, new BuyerBehaviour
        {
            Ping = BuyerAnswer.Bid(9),
            Post = BuyerAnswer.Raw("""
                <?xml version="1.0"?>
                <!DOCTYPE response SYSTEM "https://app.leadconduit.com/dtd/response-v2-basic.dtd">
                <response><result>success</result><lead_id>123</lead_id></response>
                """, "text/xml"),
        });

        var (answer, lead) = await SellAsync(publisher, campaign);

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Contains("123", Assert.Single(Steps(lead, "post")).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task An_xxe_answer_reads_no_file_and_fetches_nothing()
    {
        var (campaign, publisher, buyer, _) = await SetUpAsync("xxe", (_, c) => c with
        {
            Format = new BuyerFormat
            {
                Ping = new PhaseFormat { Response = new ResponseRules { Kind = ResponseKinds.Xml, Bid = "/r/bid", Reason = "/r/why" } },
            },
        }, new BuyerBehaviour());
        var secretFile = Path.Combine(Path.GetTempPath(), "leadhub-xxe-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(secretFile, "42");
        _buyers.Set(buyer, new BuyerBehaviour
        {
            Ping = BuyerAnswer.Raw($"""
                <?xml version="1.0"?>
                <!DOCTYPE r [ <!ENTITY file SYSTEM "file://{secretFile}"> <!ENTITY net SYSTEM "{_buyers.BaseUrl}/xxe/fetched"> ]>
                <r><bid>&file;</bid><why>&net;</why></r>
                """, "application/xml"),
        });

        var (answer, lead) = await SellAsync(publisher, campaign);

        Assert.Equal("unsold", answer.GetProperty("status").GetString());
        var step = Assert.Single(Steps(lead, "ping"));
        Assert.Equal("error", step.GetProperty("outcome").GetString());
        Assert.False(step.TryGetProperty("bid", out var bid) && bid.ValueKind == JsonValueKind.Number, "the file's content became a bid");
        Assert.Empty(_buyers.CallsTo("xxe", "fetched"));
        File.Delete(secretFile);
    }

    [Fact]
    public async Task A_billion_laughs_answer_is_an_error_at_once()
    {
        var laughs = "<!ENTITY l0 \"lol\">" + string.Concat(Enumerable.Range(1, 9).Select(i =>
            $"<!ENTITY l{i} \"{string.Concat(Enumerable.Repeat($"&l{i - 1};", 10))}\">"));
        var (campaign, publisher, _, _) = await SetUpAsync("laughs", (_, c) => c with
        {
            Format = new BuyerFormat { Ping = new PhaseFormat { Response = new ResponseRules { Kind = ResponseKinds.Xml, Bid = "/r/bid" } } },
        }, new BuyerBehaviour { Ping = BuyerAnswer.Raw($"<?xml version=\"1.0\"?><!DOCTYPE r [{laughs}]><r><bid>&l9;</bid></r>", "application/xml") });
        var allocated = GC.GetTotalAllocatedBytes();

        var (answer, lead) = await SellAsync(publisher, campaign);

        Assert.Equal("unsold", answer.GetProperty("status").GetString());
        var step = Assert.Single(Steps(lead, "ping"));
        Assert.Equal("error", step.GetProperty("outcome").GetString());
        // 10^9 "lol"s would be gigabytes; the whole sale allocates a few megabytes at most (other tests share the process).
        Assert.True(GC.GetTotalAllocatedBytes() - allocated < 512L * 1024 * 1024, "entities were expanded");
        Assert.True(step.GetProperty("latencyMs").GetInt32() < 2000);
    }
}
