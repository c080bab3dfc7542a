using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;

namespace LeadHub.Tests.Integration;

// The whole path through the real host: publisher endpoint → validation → storage → parallel
// pings to real loopback buyers → post → trace, read back through the admin API.
public sealed class AuctionOverHttpTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>, IAsyncLifetime
{
    private LoopbackBuyers _buyers = null!;

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync() => await _buyers.DisposeAsync();

    private async Task<(string Campaign, HttpClient Publisher)> SetUpAsync(CampaignConfig? campaignConfig, params BuyerConfig[] buyers)
    {
        var campaign = campaignConfig ?? TestWorkspace.Campaign(TestWorkspace.Unique("auto"));
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers = [.. buyers],
        });
        return (campaign.Key, host.Publisher(apiKey));
    }

    private BuyerConfig PingPostBuyer(string campaign, string name, BuyerBehaviour behaviour, int timeoutMs = 300, int tier = 0)
    {
        _buyers.Set(name, behaviour);
        return TestWorkspace.Buyer(name, TestWorkspace.PingPost(name + "-c", campaign, _buyers.PingUrl(name), _buyers.PostUrl(name), tier, timeoutMs));
    }

    private static async Task<JsonElement> PostLeadAsync(HttpClient publisher, object lead)
    {
        var response = await publisher.PostAsJsonAsync("/api/v1/leads", lead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> AdminLeadAsync(JsonElement answer)
    {
        using var admin = host.Admin();
        return await admin.GetFromJsonAsync<JsonElement>($"/api/v1/admin/leads/{answer.GetProperty("leadId").GetString()}");
    }

    [Fact]
    public async Task Four_buyers_answering_in_300ms_are_pinged_in_parallel()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("auto"), auctionTimeoutMs: 1500);
        var names = Enumerable.Range(1, 4).Select(i => TestWorkspace.Unique($"par{i}")).ToArray();
        var buyers = names.Select((n, i) => PingPostBuyer(campaign.Key, n,
            new BuyerBehaviour { Ping = BuyerAnswer.Bid(10 + i, delayMs: 300), Post = BuyerAnswer.Accept() }, timeoutMs: 1000)).ToArray();
        var (_, publisher) = await SetUpAsync(campaign, buyers);
        await PostLeadAsync(publisher, TestWorkspace.Lead(campaign.Key)); // warm up connections and JIT

        var answer = await PostLeadAsync(publisher, TestWorkspace.Lead(campaign.Key));

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        // In parallel, every ping reached its buyer before the first of them was answered (each answers after
        // 300 ms); one after another, each would have waited for the answer before it. Read from the buyers'
        // own arrival times, not from a wall-clock budget a loaded machine can miss.
        var arrivals = names.Select(n => _buyers.CallsTo(n, "ping").Last().At).ToList();
        var spread = arrivals.Max() - arrivals.Min();
        Assert.True(spread < TimeSpan.FromMilliseconds(300), $"the four pings arrived over {spread.TotalMilliseconds:0} ms");
        var lead = await AdminLeadAsync(answer);
        Assert.Equal(names[3], lead.GetProperty("buyer").GetString());
        Assert.Equal(13m, lead.GetProperty("price").GetDecimal());
    }

    [Fact]
    public async Task Buyer_slower_than_its_timeout_counts_as_a_pass()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("auto"), auctionTimeoutMs: 1000);
        var slow = TestWorkspace.Unique("slow");
        var fast = TestWorkspace.Unique("fast");
        var (_, publisher) = await SetUpAsync(campaign,
            PingPostBuyer(campaign.Key, slow, new BuyerBehaviour { Ping = BuyerAnswer.Bid(50, delayMs: 30_000), Post = BuyerAnswer.Accept() }, timeoutMs: 300),
            PingPostBuyer(campaign.Key, fast, new BuyerBehaviour { Ping = BuyerAnswer.Bid(12), Post = BuyerAnswer.Accept() }));

        var answer = await PostLeadAsync(publisher, TestWorkspace.Lead(campaign.Key));
        var answeredAt = DateTimeOffset.UtcNow;

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        // The publisher was answered long before the slow buyer's bid was due (30 s after its ping arrived):
        // the auction did not wait for it. Compared with the buyer's own arrival time, not a wall-clock
        // budget a loaded machine can miss (CI once took 1 s for a lead that answers in 3 ms).
        var slowPingArrived = _buyers.CallsTo(slow, "ping").Single().At;
        Assert.True(answeredAt < slowPingArrived.AddSeconds(30), $"answered {(answeredAt - slowPingArrived).TotalSeconds:0.0} s after the slow ping arrived");
        var lead = await AdminLeadAsync(answer);
        Assert.Equal(fast, lead.GetProperty("buyer").GetString());
        var slowPing = lead.GetProperty("trace").EnumerateArray().Single(s => s.GetProperty("buyer").GetString() == slow);
        Assert.Equal("timeout", slowPing.GetProperty("outcome").GetString());
        // Cut by its own 300 ms ping timeout, not by the 1,000 ms auction deadline.
        Assert.Contains("no answer within 300 ms", slowPing.GetProperty("reason").GetString());
        Assert.Empty(_buyers.CallsTo(slow, "post"));
    }

    [Fact]
    public async Task Twenty_concurrent_leads_against_a_daily_cap_of_5_sell_exactly_5()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("auto"), auctionTimeoutMs: 3000);
        var capped = TestWorkspace.Unique("capped");
        _buyers.Set(capped, new BuyerBehaviour { Ping = BuyerAnswer.Bid(20, delayMs: 20), Post = BuyerAnswer.Accept(delayMs: 20) });
        var buyer = TestWorkspace.Buyer(capped,
            TestWorkspace.PingPost(capped + "-c", campaign.Key, _buyers.PingUrl(capped), _buyers.PostUrl(capped), timeoutMs: 2000) with
            {
                Caps = new CapsConfig { Daily = 5 },
            });
        var (_, publisher) = await SetUpAsync(campaign, buyer);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PostLeadAsync(publisher, TestWorkspace.Lead(campaign.Key))));

        Assert.Equal(5, answers.Count(a => a.GetProperty("status").GetString() == "sold"));
        Assert.Equal(15, answers.Count(a => a.GetProperty("status").GetString() == "unsold"));
        Assert.Equal(5, _buyers.CallsTo(capped, "post").Count);
    }

    [Fact]
    public async Task Post_reject_falls_to_next_bid_and_trace_shows_both_posts()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("auto"));
        var picky = TestWorkspace.Unique("picky");
        var happy = TestWorkspace.Unique("happy");
        var (_, publisher) = await SetUpAsync(campaign,
            PingPostBuyer(campaign.Key, picky, new BuyerBehaviour { Ping = BuyerAnswer.Bid(30), Post = BuyerAnswer.Reject("duplicate") }),
            PingPostBuyer(campaign.Key, happy, new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() }));

        var answer = await PostLeadAsync(publisher, TestWorkspace.Lead(campaign.Key));

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Equal(7m, answer.GetProperty("payout").GetDecimal()); // 70 % revshare of 10.00
        var lead = await AdminLeadAsync(answer);
        Assert.Equal(happy, lead.GetProperty("buyer").GetString());
        var posts = lead.GetProperty("trace").EnumerateArray().Where(s => s.GetProperty("kind").GetString() == "post").ToList();
        Assert.Equal(["rejected", "accepted"], posts.Select(p => p.GetProperty("outcome").GetString()));
        Assert.Equal("duplicate", posts[0].GetProperty("reason").GetString());
        Assert.Equal(30m, posts[0].GetProperty("price").GetDecimal());
        Assert.All(lead.GetProperty("trace").EnumerateArray().Where(s => s.GetProperty("kind").GetString() == "ping"),
            s => Assert.True(s.GetProperty("latencyMs").GetInt32() >= 0));
    }

    [Fact]
    public async Task Post_that_times_out_is_not_billed_and_the_next_bid_buys()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("auto"));
        var sleepy = TestWorkspace.Unique("sleepy");
        var backup = TestWorkspace.Unique("backup");
        _buyers.Set(sleepy, new BuyerBehaviour { Ping = BuyerAnswer.Bid(40), Post = BuyerAnswer.Accept(delayMs: 2000) });
        var sleepyBuyer = TestWorkspace.Buyer(sleepy,
            TestWorkspace.PingPost(sleepy + "-c", campaign.Key, _buyers.PingUrl(sleepy), _buyers.PostUrl(sleepy)) with { PostTimeoutMs = 200 });
        var (_, publisher) = await SetUpAsync(campaign, sleepyBuyer,
            PingPostBuyer(campaign.Key, backup, new BuyerBehaviour { Ping = BuyerAnswer.Bid(9), Post = BuyerAnswer.Accept() }));

        var answer = await PostLeadAsync(publisher, TestWorkspace.Lead(campaign.Key));

        var lead = await AdminLeadAsync(answer);
        Assert.Equal(backup, lead.GetProperty("buyer").GetString());
        Assert.Equal(9m, lead.GetProperty("price").GetDecimal());
        var timedOut = lead.GetProperty("trace").EnumerateArray()
            .Single(s => s.GetProperty("kind").GetString() == "post" && s.GetProperty("buyer").GetString() == sleepy);
        Assert.Equal("timeout", timedOut.GetProperty("outcome").GetString());
        Assert.Contains("not billed", timedOut.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Pings_carry_only_non_pii_fields_and_the_post_carries_all()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("auto"));
        var name = TestWorkspace.Unique("nosy");
        var (_, publisher) = await SetUpAsync(campaign,
            PingPostBuyer(campaign.Key, name, new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() }));

        var answer = await PostLeadAsync(publisher, TestWorkspace.Lead(campaign.Key));

        var ping = Assert.Single(_buyers.CallsTo(name, "ping")).Body;
        var pingLead = ping["lead"]!.AsObject();
        foreach (var pii in new[] { "first_name", "last_name", "email", "phone" }) Assert.False(pingLead.ContainsKey(pii), pii);
        Assert.Equal("CA", (string?)pingLead["state"]);
        Assert.Equal(campaign.Key, (string?)ping["campaign"]);

        var post = Assert.Single(_buyers.CallsTo(name, "post")).Body;
        Assert.Equal(answer.GetProperty("leadId").GetString(), (string?)post["leadId"]);
        Assert.Equal(10m, (decimal)post["price"]!);
        Assert.StartsWith("+1415", (string?)post["lead"]!["phone"]);
        Assert.Equal((string?)ping["pingId"], (string?)post["pingId"]);
    }

    [Fact]
    public async Task Fallback_tier_of_fixed_price_buyers_sells_what_the_auction_did_not()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("auto")) with
        {
            Tiers = [new TierConfig { Tier = 0, Floor = 5 }, new TierConfig { Tier = 1, Floor = 1 }],
        };
        var lowball = TestWorkspace.Unique("lowball");
        var fallback = TestWorkspace.Unique("fallback");
        _buyers.Set(fallback, new BuyerBehaviour { Post = BuyerAnswer.Accept() });
        var (_, publisher) = await SetUpAsync(campaign,
            PingPostBuyer(campaign.Key, lowball, new BuyerBehaviour { Ping = BuyerAnswer.Bid(3), Post = BuyerAnswer.Accept() }),
            TestWorkspace.Buyer(fallback, TestWorkspace.DirectPost(fallback + "-c", campaign.Key, _buyers.PostUrl(fallback), price: 2.5m, tier: 1)));

        var answer = await PostLeadAsync(publisher, TestWorkspace.Lead(campaign.Key));

        var lead = await AdminLeadAsync(answer);
        Assert.Equal(fallback, lead.GetProperty("buyer").GetString());
        Assert.Equal(2.5m, lead.GetProperty("price").GetDecimal());
        var lowballPing = lead.GetProperty("trace").EnumerateArray().First(s => s.GetProperty("buyer").GetString() == lowball);
        Assert.Contains("below floor", lowballPing.GetProperty("reason").GetString());
        Assert.Empty(_buyers.CallsTo(lowball, "post"));
        Assert.Empty(_buyers.CallsTo(fallback, "ping"));
    }

    [Fact]
    public async Task Buyer_errors_and_garbage_answers_are_recorded_and_never_sell()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("auto"));
        var broken = TestWorkspace.Unique("broken");
        var garbage = TestWorkspace.Unique("garbage");
        var (_, publisher) = await SetUpAsync(campaign,
            PingPostBuyer(campaign.Key, broken, new BuyerBehaviour { Ping = BuyerAnswer.ServerError() }),
            PingPostBuyer(campaign.Key, garbage, new BuyerBehaviour { Ping = new BuyerAnswer("<html>not json</html>") }));

        var answer = await PostLeadAsync(publisher, TestWorkspace.Lead(campaign.Key));

        Assert.Equal("unsold", answer.GetProperty("status").GetString());
        var trace = (await AdminLeadAsync(answer)).GetProperty("trace").EnumerateArray().ToList();
        Assert.Equal("error", trace.Single(s => s.GetProperty("buyer").GetString() == broken).GetProperty("outcome").GetString());
        Assert.Equal("error", trace.Single(s => s.GetProperty("buyer").GetString() == garbage).GetProperty("outcome").GetString());
    }
}
