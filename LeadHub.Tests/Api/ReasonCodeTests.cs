using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LeadHub.Core.Leads;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Api;

// docs/REASON-CODES.md: every publisher answer carries the code of why; the doc is the list.
public sealed class ReasonCodeTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>, IAsyncLifetime
{
    private LoopbackBuyers _buyers = null!;

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync() => await _buyers.DisposeAsync();

    private static string DocPath => Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "docs", "REASON-CODES.md");

    // The doc in CONTRACT style, rendered from ReasonCodes.All. LEADHUB_WRITE_DOCS=1 rewrites the file.
    public static string RenderDoc()
    {
        var md = new StringBuilder();
        md.AppendLine("# Reason codes for publishers");
        md.AppendLine();
        md.AppendLine("Every answer LeadHub gives a publisher, and every postback, carries a coded reason when the lead");
        md.AppendLine("did not sell: `reasonCode` in a 200 answer of `POST /api/v1/leads`, `POST /api/v1/pings` and");
        md.AppendLine("`POST /api/v1/pings/{pingId}/post` (absent when the lead sold or the ping has an offer), the");
        md.AppendLine("`reasonCode` member of every problem details answer, and `{reasonCode}` in postback templates");
        md.AppendLine("(empty for `sold` and `returned`). A code never names a buyer or a price. `status` keeps its");
        md.AppendLine("CONTRACT §1 meaning; the code only says why. New codes may be added; a code's meaning never changes.");
        md.AppendLine();
        md.AppendLine("This page is generated from `LeadHub.Core/Leads/ReasonCodes.cs` (a test checks they agree).");
        md.AppendLine();
        md.AppendLine("| code | HTTP | meaning | what to do |");
        md.AppendLine("|---|---|---|---|");
        foreach (var c in ReasonCodes.All) md.AppendLine($"| `{c.Code}` | {c.HttpStatus} | {c.Meaning} | {c.WhatToDo} |");
        md.AppendLine();
        md.AppendLine("An unsold lead's code is the furthest its routing got: `buyers_rejected` (a post was made and");
        md.AppendLine("refused), else `below_floor` (bids under the floor), else `cap_reached`, else `no_bids` (buyers");
        md.AppendLine("were asked, none bid), else `outside_schedule` (every buyer closed now), else `no_eligible_buyer`.");
        return md.ToString();
    }

    [Fact]
    public void Reason_code_doc_lists_exactly_the_codes_in_the_code()
    {
        var expected = RenderDoc();
        if (Environment.GetEnvironmentVariable("LEADHUB_WRITE_DOCS") == "1") File.WriteAllText(DocPath, expected);
        Assert.True(File.Exists(DocPath), "docs/REASON-CODES.md is missing: run this test with LEADHUB_WRITE_DOCS=1");
        Assert.Equal(expected.ReplaceLineEndings(), File.ReadAllText(DocPath).ReplaceLineEndings());
    }

    [Fact]
    public void Codes_are_unique_and_never_mention_a_buyer_or_a_price_of_a_sale()
    {
        Assert.Equal(ReasonCodes.All.Count, ReasonCodes.All.Select(c => c.Code).Distinct().Count());
        Assert.All(ReasonCodes.All, c => Assert.Matches("^[a-z_]+$", c.Code));
        foreach (var agreed in new[] { "invalid_field", "duplicate", "suppressed", "consent_missing", "no_eligible_buyer", "below_floor",
                     "buyers_rejected", "cap_reached", "outside_schedule", "no_bids", "sub_id_blocked", "not_allowed", "unknown_campaign",
                     "rate_limited", "too_large", "bad_request" })
            Assert.Contains(agreed, ReasonCodes.ByCode.Keys);
    }

    private static TraceStep Step(string kind, string outcome, string? reason = null) =>
        new(kind, "b", "c", 0, outcome, null, null, reason, null, DateTimeOffset.UnixEpoch);

    public static TheoryData<string, TraceStep[]> Traces => new()
    {
        { ReasonCodes.BuyersRejected, [Step("ping", "bid"), Step("post", "rejected", "bad phone")] },
        { ReasonCodes.BuyersRejected, [Step("ping", "bid"), Step("post", "timeout", "no answer within 300 ms; not billed")] },
        { ReasonCodes.BelowFloor, [Step("ping", "bid", "below floor 12.00"), Step("ping", "pass")] },
        { ReasonCodes.BelowFloor, [Step("post", "skipped", "fixed price below floor 5")] },
        { ReasonCodes.CapReached, [Step("ping", "skipped", "cap reached: daily (10)")] },
        { ReasonCodes.CapReached, [Step("ping", "bid"), Step("post", "skipped", "cap reached before post")] },
        { ReasonCodes.NoBids, [Step("ping", "pass"), Step("ping", "timeout", "no answer within 300 ms")] },
        { ReasonCodes.OutsideSchedule, [Step("ping", "skipped", "outside schedule: Mon-Fri 09:00-17:00")] },
        { ReasonCodes.NoEligibleBuyer, [Step("ping", "skipped", "filter: state in [TX]"), Step("ping", "skipped", "outside schedule: x")] },
        { ReasonCodes.NoEligibleBuyer, [] },
    };

    [Theory]
    [MemberData(nameof(Traces))]
    public void Unsold_reason_is_the_furthest_the_routing_got(string code, TraceStep[] trace) =>
        Assert.Equal(code, ReasonCodes.ForUnsold("no buyer bid above the floor", trace));

    [Fact]
    public void A_stage_before_routing_names_its_code_first_and_a_paused_campaign_has_no_eligible_buyer()
    {
        Assert.Equal(ReasonCodes.Suppressed, ReasonCodes.ForUnsold("suppressed: do-not-contact list", []));
        Assert.Equal(ReasonCodes.NoEligibleBuyer, ReasonCodes.ForUnsold(Settle.CampaignPaused, [Step("ping", "pass")]));
        Assert.Null(ReasonCodes.ForStatus(LeadStatus.Sold, null, []));
    }

    private async Task<(ApiScenario S, HttpClient Client)> ScenarioAsync(BuyerBehaviour? behaviour, Func<PublisherConfig, PublisherConfig>? publisher = null,
        bool buyer = true)
    {
        var s = await ApiScenario.CreateAsync(factory, buyer ? _buyers : null, publisher, behaviour);
        return (s, factory.Publisher(s.ApiKey));
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, object lead, string path = "/api/v1/leads") =>
        await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync(path, lead));

    private static object PingBody(string campaign) =>
        new { campaign, fields = new { zip = "94107", state = "CA", age = 34, homeowner = true, tcpa_consent = true } };

    private static string? Code(JsonElement answer) => answer.TryGetProperty("reasonCode", out var c) ? c.GetString() : null;

    [Fact]
    public async Task Sold_lead_answer_has_no_reason_code()
    {
        var (s, client) = await ScenarioAsync(null);
        var answer = await PostAsync(client, TestWorkspace.Lead(s.Campaign));
        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.False(answer.TryGetProperty("reasonCode", out _));
    }

    [Theory]
    [InlineData("reject", ReasonCodes.BuyersRejected)]
    [InlineData("pass", ReasonCodes.NoBids)]
    [InlineData("none", ReasonCodes.NoEligibleBuyer)]
    public async Task Unsold_lead_answer_says_why_without_naming_the_buyer(string buyer, string code)
    {
        var behaviour = buyer switch
        {
            "reject" => new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Reject("bad phone") },
            _ => new BuyerBehaviour { Ping = BuyerAnswer.Pass() },
        };
        var (s, client) = await ScenarioAsync(behaviour, buyer: buyer != "none");
        var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign));
        var text = await response.Content.ReadAsStringAsync();
        var answer = JsonDocument.Parse(text).RootElement;

        Assert.Equal("unsold", answer.GetProperty("status").GetString());
        Assert.Equal(code, Code(answer));
        Assert.DoesNotContain(s.Buyer, text);
    }

    [Fact]
    public async Task Bids_below_the_floor_answer_below_floor()
    {
        var s = await ApiScenario.CreateAsync(factory, _buyers, behaviour: new BuyerBehaviour { Ping = BuyerAnswer.Bid(3) });
        await factory.ImportAsync(new WorkspaceDocument { Campaigns = [TestWorkspace.Campaign(s.Campaign, auctionTimeoutMs: 10_000, floor: 5)] });
        using var client = factory.Publisher(s.ApiKey);
        Assert.Equal(ReasonCodes.BelowFloor, Code(await PostAsync(client, TestWorkspace.Lead(s.Campaign))));
    }

    [Fact]
    public async Task Duplicate_and_its_repeat_by_idempotency_key_carry_the_same_codes()
    {
        var (s, client) = await ScenarioAsync(new BuyerBehaviour { Ping = BuyerAnswer.Pass() });
        var lead = TestWorkspace.Lead(s.Campaign);
        var first = await PostAsync(client, lead);
        Assert.Equal(ReasonCodes.NoBids, Code(first));
        Assert.Equal(ReasonCodes.Duplicate, Code(await PostAsync(client, lead)));

        using var again = new HttpRequestMessage(HttpMethod.Post, "/api/v1/leads") { Content = JsonContent.Create(TestWorkspace.Lead(s.Campaign)) };
        again.Headers.Add("Idempotency-Key", "reason-" + Guid.NewGuid());
        var key = again.Headers.GetValues("Idempotency-Key").Single();
        var original = await ApiAssert.OkJsonAsync(await client.SendAsync(again));
        using var repeat = new HttpRequestMessage(HttpMethod.Post, "/api/v1/leads") { Content = JsonContent.Create(TestWorkspace.Lead(s.Campaign)) };
        repeat.Headers.Add("Idempotency-Key", key);
        var replayed = await ApiAssert.OkJsonAsync(await client.SendAsync(repeat));
        Assert.Equal(original.GetProperty("leadId").GetGuid(), replayed.GetProperty("leadId").GetGuid());
        Assert.Equal(ReasonCodes.NoBids, Code(replayed));
    }

    [Fact]
    public async Task Every_refusal_problem_carries_its_reason_code()
    {
        var (s, client) = await ScenarioAsync(null, p => p with { BlockedSubIds = ["bad-src"] });

        async Task Expect(HttpResponseMessage response, HttpStatusCode status, string code) =>
            Assert.Equal(code, (await ApiAssert.ProblemAsync(response, status)).GetProperty("reasonCode").GetString());

        await Expect(await client.PostAsync("/api/v1/leads", new StringContent("not json", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest, ReasonCodes.BadRequest);
        await Expect(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead("no-such-campaign")), HttpStatusCode.NotFound, ReasonCodes.UnknownCampaign);
        await Expect(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign, new { email = "not-an-email" })),
            HttpStatusCode.UnprocessableEntity, ReasonCodes.InvalidField);
        await Expect(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign, subId: "bad-src")),
            HttpStatusCode.Forbidden, ReasonCodes.SubIdBlocked);
        await Expect(await client.PostAsync("/api/v1/leads", new StringContent(new string('x', 70_000), Encoding.UTF8, "application/json")),
            HttpStatusCode.RequestEntityTooLarge, ReasonCodes.TooLarge);
        using (var stranger = factory.Publisher("pk-not-a-key-0123456789"))
            await Expect(await stranger.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign)), HttpStatusCode.Unauthorized, ReasonCodes.Unauthorized);

        var other = await ApiScenario.CreateAsync(factory);
        await Expect(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(other.Campaign)), HttpStatusCode.Forbidden, ReasonCodes.NotAllowed);
        await Expect(await client.PostAsJsonAsync($"/api/v1/pings/{Guid.NewGuid()}/post", TestWorkspace.Lead(s.Campaign)),
            HttpStatusCode.NotFound, ReasonCodes.UnknownPing);
    }

    [Fact]
    public async Task Rate_limited_publisher_gets_rate_limited()
    {
        var (s, client) = await ScenarioAsync(null, p => p with { RateLimitPerSecond = 1 }, buyer: false);
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 20 && limited is null; i++)
        {
            var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign));
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited = response;
        }
        Assert.NotNull(limited);
        Assert.Equal(ReasonCodes.RateLimited, (await ApiAssert.ProblemAsync(limited, HttpStatusCode.TooManyRequests)).GetProperty("reasonCode").GetString());
    }

    [Fact]
    public async Task Ping_without_an_offer_says_why_and_a_second_post_of_a_ping_is_coded()
    {
        var (s, client) = await ScenarioAsync(new BuyerBehaviour { Ping = BuyerAnswer.Pass() });
        var ping = await PostAsync(client, PingBody(s.Campaign), "/api/v1/pings");
        Assert.Equal(0m, ping.GetProperty("offer").GetDecimal());
        Assert.Equal(ReasonCodes.NoBids, Code(ping));

        var pingId = ping.GetProperty("pingId").GetGuid();
        var posted = await PostAsync(client, TestWorkspace.Lead(s.Campaign), $"/api/v1/pings/{pingId}/post");
        Assert.Equal(ReasonCodes.NoBids, Code(posted));
        var twice = await client.PostAsJsonAsync($"/api/v1/pings/{pingId}/post", TestWorkspace.Lead(s.Campaign));
        Assert.Equal(ReasonCodes.PingAlreadyPosted, (await ApiAssert.ProblemAsync(twice, HttpStatusCode.Conflict)).GetProperty("reasonCode").GetString());
    }

    [Fact]
    public async Task Ping_with_an_offer_has_no_reason_code()
    {
        var (s, client) = await ScenarioAsync(null);
        var ping = await PostAsync(client, PingBody(s.Campaign), "/api/v1/pings");
        Assert.True(ping.GetProperty("offer").GetDecimal() > 0);
        Assert.False(ping.TryGetProperty("reasonCode", out _));
    }
}
