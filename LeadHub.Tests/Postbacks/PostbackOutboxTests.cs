using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeadHub.Core.Leads;
using LeadHub.Core.Postbacks;
using LeadHub.Core.Returns;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Api;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LeadHub.Tests.Postbacks;

// A host whose own postback pump is on or off (off: the test drives an outbox on a fake clock).
public sealed class PostbackHost(TestDatabase database, bool ownsDatabase, bool runPump) : LeadHubFactory(database, ownsDatabase)
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("LeadHub:Postbacks:Run", runPump ? "true" : "false"),
        new("LeadHub:Postbacks:IntervalSeconds", "0.1"),
        new("LeadHub:Postbacks:FirstRetrySeconds", "0.2"),
    ];
}

// README "Postbacks": durable, retried with backoff, given up visibly, signed; a crash loses none.
public sealed class PostbackOutboxTests : IAsyncLifetime
{
    private const string Secret = "postback-secret-0123456789";
    private readonly TestDatabase _db = TestDatabase.CreateDefault();
    private PostbackHost _host = null!;
    private LoopbackBuyers _buyers = null!;
    private PublisherEndpoint _endpoint = null!;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    public async Task InitializeAsync()
    {
        _host = new PostbackHost(_db, ownsDatabase: false, runPump: false);
        _buyers = await LoopbackBuyers.StartAsync();
        _endpoint = await PublisherEndpoint.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _buyers.DisposeAsync();
        await _endpoint.DisposeAsync();
        await _db.DisposeAsync();
    }

    private static readonly PostbackOptions ClockOptions = new() { FirstRetrySeconds = 30, MaxRetrySeconds = 3600, TimeoutSeconds = 10 };

    // The host's outbox parts on the test's clock.
    private PostbackOutbox Outbox(LeadHubFactory host) =>
        ActivatorUtilities.CreateInstance<PostbackOutbox>(host.Services, (TimeProvider)_clock, Options.Create(ClockOptions));

    private string Url(string path = "pb") =>
        $"{_endpoint.BaseUrl}/{path}?lead={{leadId}}&ext={{externalId}}&sub={{subId}}&status={{status}}&payout={{payout}}&rc={{reasonCode}}&c={{campaign}}";

    private Task<ApiScenario> ScenarioAsync(BuyerBehaviour? behaviour = null, int maxAttempts = 8, string method = "GET",
        LeadHubFactory? host = null) =>
        ApiScenario.CreateAsync(host ?? _host, _buyers, p => p with
        {
            Postbacks = new PostbacksConfig
            {
                SigningSecret = Secret, MaxAttempts = maxAttempts,
                Templates = [new PostbackTemplate { Events = [.. PostbackEvents.All], Url = Url(), Method = method }],
            },
        }, behaviour);

    private static async Task<Guid> PostLeadAsync(LeadHubFactory host, ApiScenario s, string? externalId = null, object? fields = null,
        HttpStatusCode expect = HttpStatusCode.OK)
    {
        var lead = JsonSerializer.SerializeToNode(TestWorkspace.Lead(s.Campaign, fields))!.AsObject();
        if (externalId is not null) lead["externalId"] = externalId;
        using var client = host.Publisher(s.ApiKey);
        var response = await client.PostAsJsonAsync("/api/v1/leads", lead);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(expect, response.StatusCode);
        return body.GetProperty("leadId").GetGuid();
    }

    private async Task<PostbackRow> RowAsync(Guid leadId, string @event, LeadHubFactory? host = null)
    {
        await using var db = await (host ?? _host).Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        return await db.Postbacks.AsNoTracking().SingleAsync(p => p.LeadId == leadId && p.Event == @event);
    }

    private List<PostbackCall> CallsFor(Guid leadId) => _endpoint.Calls.Where(c => c.Query("lead") == leadId.ToString()).ToList();

    [Fact]
    public async Task Failing_then_recovering_endpoint_gets_the_sold_postback_once_after_retries()
    {
        var failures = 2;
        _endpoint.Answer = _ => Interlocked.Decrement(ref failures) >= 0 ? 503 : 200;
        var s = await ScenarioAsync();
        var lead = await PostLeadAsync(_host, s, externalId: "ext 1/ä&x");
        var outbox = Outbox(_host);

        Assert.Equal(1, await outbox.EnqueueAsync());
        Assert.Equal(0, await outbox.EnqueueAsync()); // once per lead and event
        Assert.Equal(1, await outbox.DispatchAsync());
        Assert.Equal(0, await outbox.DispatchAsync()); // not due before its backoff
        var row = await RowAsync(lead, PostbackEvents.Sold);
        Assert.Equal((PostbackStates.Pending, 1, 503), (row.State, row.Attempts, row.LastStatus));

        _clock.Advance(outbox.Backoff(1));
        Assert.Equal(1, await outbox.DispatchAsync());
        _clock.Advance(outbox.Backoff(1) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await outbox.DispatchAsync()); // the second wait is twice the first
        _clock.Advance(outbox.Backoff(2));
        Assert.Equal(1, await outbox.DispatchAsync());
        _clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await outbox.DispatchAsync());

        row = await RowAsync(lead, PostbackEvents.Sold);
        Assert.Equal((PostbackStates.Delivered, 3), (row.State, row.Attempts));
        var calls = CallsFor(lead);
        Assert.Equal([503, 503, 200], calls.Select(c => c.Answered));
        var delivered = calls[^1];
        Assert.Equal("ext 1/ä&x", delivered.Query("ext"));
        Assert.Equal(("sold", "7.00", "", s.Campaign), (delivered.Query("status"), delivered.Query("payout"), delivered.Query("rc"), delivered.Query("c")));
        Assert.DoesNotContain(s.Buyer, delivered.PathAndQuery);
        Assert.True(PostbackSignature.Verify(Secret, delivered.Headers[PostbackSignature.Header], delivered.PathAndQuery, _clock.GetUtcNow(),
            TimeSpan.FromDays(2)));
        Assert.False(PostbackSignature.Verify("another-secret-0123456789", delivered.Headers[PostbackSignature.Header], delivered.PathAndQuery,
            _clock.GetUtcNow(), TimeSpan.FromDays(2)));
    }

    [Fact]
    public async Task Crash_between_attempts_loses_nothing_and_sends_nothing_twice_once_acknowledged()
    {
        Guid acked = default;
        _endpoint.Answer = r => r.Query["lead"] == acked.ToString() ? 200 : 503;
        var s = await ScenarioAsync();
        acked = await PostLeadAsync(_host, s);
        var waiting = await PostLeadAsync(_host, s);
        var midSend = await PostLeadAsync(_host, s);
        var outbox = Outbox(_host);
        Assert.Equal(3, await outbox.EnqueueAsync());
        Assert.Equal(3, await outbox.DispatchAsync());
        Assert.Equal(PostbackStates.Delivered, (await RowAsync(acked, PostbackEvents.Sold)).State);

        // A node died while sending `midSend`: its claim is still on the row, due to run out soon.
        await using (var db = await _host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync())
        {
            var now = DateTimeOffset.UtcNow;
            await db.Postbacks.Where(p => p.LeadId == midSend).ExecuteUpdateAsync(u => u
                .SetProperty(p => p.LeaseOwner, "dead-node").SetProperty(p => p.LeaseUntil, now.AddSeconds(1)).SetProperty(p => p.NextAttemptAt, now));
            await db.Postbacks.Where(p => p.LeadId == waiting).ExecuteUpdateAsync(u => u.SetProperty(p => p.NextAttemptAt, now));
        }
        await _host.DisposeAsync();

        // A new process on the same database, its pump on, and the publisher back up.
        _endpoint.Answer = _ => 200;
        _host = new PostbackHost(_db, ownsDatabase: false, runPump: true);
        _ = _host.Services;
        await WaitUntilAsync(async () =>
            (await RowAsync(waiting, PostbackEvents.Sold)).State == PostbackStates.Delivered
            && (await RowAsync(midSend, PostbackEvents.Sold)).State == PostbackStates.Delivered);
        Assert.Equal(0, await Outbox(_host).DispatchAsync());

        Assert.Equal([200], CallsFor(acked).Select(c => c.Answered));
        Assert.Single(CallsFor(waiting), c => c.Answered == 200);
        Assert.Single(CallsFor(midSend), c => c.Answered == 200);
    }

    [Fact]
    public async Task Two_nodes_pumping_one_database_send_each_postback_once()
    {
        var s = await ScenarioAsync();
        await using var a = new PostbackHost(_db, ownsDatabase: false, runPump: true);
        await using var b = new PostbackHost(_db, ownsDatabase: false, runPump: true);
        _ = b.Services;
        var leads = new List<Guid>();
        for (var i = 0; i < 10; i++) leads.Add(await PostLeadAsync(i % 2 == 0 ? a : b, s));

        await WaitUntilAsync(async () =>
        {
            await using var db = await a.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
            return await db.Postbacks.CountAsync(p => leads.Contains(p.LeadId) && p.State == PostbackStates.Delivered) == leads.Count;
        });
        Assert.All(leads, lead => Assert.Single(CallsFor(lead)));
    }

    [Fact]
    public async Task Endpoint_that_never_recovers_is_given_up_after_max_attempts_with_an_alert_and_can_be_retried()
    {
        _endpoint.Answer = _ => 500;
        var s = await ScenarioAsync(maxAttempts: 3);
        var lead = await PostLeadAsync(_host, s);
        var outbox = Outbox(_host);
        await outbox.EnqueueAsync();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Equal(1, await outbox.DispatchAsync());
            _clock.Advance(outbox.Backoff(attempt));
        }
        _clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await outbox.DispatchAsync());

        var row = await RowAsync(lead, PostbackEvents.Sold);
        Assert.Equal((PostbackStates.Failed, 3, "HTTP 500"), (row.State, row.Attempts, row.LastError));
        Assert.Equal(3, CallsFor(lead).Count);
        await using (var db = await _host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync())
        {
            var alert = await db.Alerts.SingleAsync(a => a.Kind == PostbackOutbox.AlertKind && a.Subject == PostbackOutbox.AlertSubject(s.Publisher));
            Assert.Contains("given up after 3 attempt(s)", alert.Message);
        }

        _endpoint.Answer = _ => 200;
        using var admin = _host.Admin();
        var retried = await admin.PostAsync($"/api/v1/admin/postbacks/{row.Id}/retry", null);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(1, await outbox.DispatchAsync());
        Assert.Equal(PostbackStates.Delivered, (await RowAsync(lead, PostbackEvents.Sold)).State);
        await ApiAssert.ProblemAsync(await admin.PostAsync($"/api/v1/admin/postbacks/{row.Id}/retry", null), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Unsold_invalid_duplicate_and_returned_leads_each_get_their_postback_with_a_reason_code()
    {
        var s = await ScenarioAsync(new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() }, method: "POST");
        var sold = await PostLeadAsync(_host, s, fields: new { email = "same.person@example.com", phone = "+1 415 555 0199" });
        var duplicate = await PostLeadAsync(_host, s, fields: new { email = "same.person@example.com", phone = "+1 415 555 0199" });
        var invalid = await PostLeadAsync(_host, s, fields: new { email = "nope" }, expect: HttpStatusCode.UnprocessableEntity);
        _buyers.Set(s.Buyer, new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Reject("bad phone") });
        var unsold = await PostLeadAsync(_host, s);
        var returns = _host.Services.GetRequiredService<ReturnService>();
        var (request, refusal) = await returns.RequestAsync(sold, s.Buyer, "wrong number", "test");
        Assert.Null(refusal);
        await returns.DecideAsync(request!.Id, approve: true, null, "test");

        var outbox = Outbox(_host);
        Assert.Equal(5, await outbox.EnqueueAsync());
        Assert.Equal(5, await outbox.DispatchAsync());

        var bodies = _endpoint.Calls.Where(c => c.Method == "POST").Select(c => JsonDocument.Parse(c.Body).RootElement)
            .ToDictionary(b => (b.GetProperty("leadId").GetGuid(), b.GetProperty("event").GetString()));
        Assert.Equal("7.00", bodies[(sold, "sold")].GetProperty("payout").GetString());
        Assert.Equal("7.00", bodies[(sold, "returned")].GetProperty("payout").GetString());
        Assert.Equal(ReasonCodes.Duplicate, bodies[(duplicate, "duplicate")].GetProperty("reasonCode").GetString());
        Assert.Equal(ReasonCodes.InvalidField, bodies[(invalid, "invalid")].GetProperty("reasonCode").GetString());
        Assert.Equal(ReasonCodes.BuyersRejected, bodies[(unsold, "unsold")].GetProperty("reasonCode").GetString());
        var signed = _endpoint.Calls.First(c => c.Method == "POST");
        Assert.True(PostbackSignature.Verify(Secret, signed.Headers[PostbackSignature.Header], signed.Body, _clock.GetUtcNow(), TimeSpan.FromMinutes(5)));
        Assert.All(_endpoint.Calls, c => Assert.DoesNotContain(s.Buyer, c.Body + c.PathAndQuery));
    }

    [Fact]
    public async Task Lead_parked_unknown_while_the_pump_passed_gets_its_postback_when_a_manager_settles_it()
    {
        var s = await ScenarioAsync();
        var lead = await PostLeadAsync(_host, s);
        await using (var db = await _host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync())
            await db.Leads.Where(l => l.Id == lead).ExecuteUpdateAsync(u => u.SetProperty(l => l.Status, LeadStatus.Unknown));
        var outbox = Outbox(_host);
        Assert.Equal(0, await outbox.EnqueueAsync());
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, await outbox.EnqueueAsync()); // the cursor is past the lead now

        var settled = await _host.Services.GetRequiredService<UnknownOutcomes>().ConfirmSoldAsync(lead, "manager@leadhub.test");

        Assert.Equal(LeadStatus.Sold, Assert.IsType<SettleResult.Settled>(settled).Status);
        Assert.Equal(PostbackStates.Pending, (await RowAsync(lead, PostbackEvents.Sold)).State);
        Assert.Equal(0, await outbox.EnqueueLeadAsync(lead)); // once
    }

    [Fact]
    public async Task Leads_before_postbacks_were_set_up_get_none()
    {
        var s = await ApiScenario.CreateAsync(_host, _buyers);
        var before = await PostLeadAsync(_host, s);
        var outbox = Outbox(_host);
        await outbox.EnqueueAsync();
        _clock.Advance(TimeSpan.FromMinutes(5)); // the cursor moves past the lead while nobody wants postbacks
        await outbox.EnqueueAsync();
        await _host.ImportAsync(new WorkspaceDocument
        {
            Publishers = [TestWorkspace.Publisher(s.Publisher, s.ApiKey, s.Campaign) with
            {
                Postbacks = new PostbacksConfig { Templates = [new PostbackTemplate { Events = ["sold"], Url = Url() }] },
            }],
        });
        Assert.Equal(0, await outbox.EnqueueAsync());
        await using var db = await _host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        Assert.False(await db.Postbacks.AnyAsync(p => p.LeadId == before));
    }

    [Fact]
    public async Task Signing_secret_is_stored_encrypted_and_never_exported()
    {
        var s = await ScenarioAsync();
        using var admin = _host.Admin();
        var exported = await admin.GetStringAsync("/api/v1/admin/workspace");
        Assert.DoesNotContain(Secret, exported);
        var publisher = JsonNode.Parse(exported)!["publishers"]!.AsArray().Single(p => (string?)p!["key"] == s.Publisher)!;
        Assert.True((bool)publisher["postbacks"]!["signingSecretSet"]!);

        // Re-importing the export keeps the secret; "" removes it.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/api/v1/admin/workspace", new StringContent(exported, System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        await using var db = await _host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var stored = await db.Publishers.AsNoTracking().Where(p => p.Key == s.Publisher).Select(p => p.PostbackSecret).SingleAsync();
        Assert.NotNull(stored);
        Assert.DoesNotContain(Secret, stored);
        Assert.DoesNotContain(Secret, string.Join(" ", await db.Audit.Select(a => a.Before + a.After).ToListAsync()));
    }

    public static TheoryData<string, string, string> BadTemplates => new()
    {
        { """{"events":["sold"],"url":"ftp://example.com/pb"}""", "templates[0].url", "absolute http:// or https://" },
        { """{"events":["sold"],"url":"https://example.com/pb?x={price}"}""", "templates[0].url", "unknown placeholder {price}" },
        { """{"events":["sold"],"url":"https://example.com/pb?x={leadId"}""", "templates[0].url", "unclosed" },
        { """{"events":["sold"],"url":""}""", "templates[0].url", "is required" },
        { """{"events":["bought"],"url":"https://example.com/pb"}""", "templates[0].events", "unknown event 'bought'" },
        { """{"events":[],"url":"https://example.com/pb"}""", "templates[0].events", "at least one event" },
        { """{"events":["sold"],"url":"https://example.com/pb","method":"PUT"}""", "templates[0].method", "GET or POST" },
        { """{"events":["sold"],"url":"https://user:pw@example.com/pb"}""", "templates[0].url", "credentials" },
    };

    [Theory]
    [MemberData(nameof(BadTemplates))]
    public async Task Bad_postback_template_is_refused_by_import_with_a_clear_message(string template, string path, string message)
    {
        var key = TestWorkspace.Unique("pub");
        var doc = $$$"""{"publishers":[{"key":"{{{key}}}","name":"x","postbacks":{"templates":[{{{template}}}]}}]}""";
        using var admin = _host.Admin();
        var response = await admin.PutAsync("/api/v1/admin/workspace", new StringContent(doc, System.Text.Encoding.UTF8, "application/json"));
        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains(ApiAssert.Errors(problem, $"$.publishers[0].postbacks.{path}"), m => m.Contains(message));
    }

    [Fact]
    public async Task Two_templates_for_one_event_and_a_short_secret_are_refused()
    {
        var doc = new WorkspaceDocument
        {
            Publishers = [new PublisherConfig
            {
                Key = TestWorkspace.Unique("pub"), Name = "x",
                Postbacks = new PostbacksConfig
                {
                    SigningSecret = "short", MaxAttempts = 0,
                    Templates = [new() { Events = ["sold"], Url = Url() }, new() { Events = ["sold", "unsold"], Url = Url() }],
                },
            }],
        };
        var errors = _host.Workspace().Check(doc);
        Assert.Contains(errors, e => e.Path == "$.publishers[0].postbacks.templates[1].events" && e.Message.Contains("already has a template"));
        Assert.Contains(errors, e => e.Path == "$.publishers[0].postbacks.signingSecret");
        Assert.Contains(errors, e => e.Path == "$.publishers[0].postbacks.maxAttempts");
    }

    [Fact]
    public void Template_values_are_url_encoded_and_a_post_carries_them_as_json()
    {
        var values = new PostbackValues(Guid.Parse("0190a000-0000-7000-8000-000000000001"), "a b&c=d/é", null, "unsold", "unsold", 0m,
            ReasonCodes.BelowFloor, "auto");
        var get = PostbackTemplates.Render(new PostbackTemplate { Url = "https://p.example/cb/{campaign}?id={externalId}&s={subId}&r={reasonCode}&p={payout}" }, values);
        Assert.Equal("https://p.example/cb/auto?id=a%20b%26c%3Dd%2F%C3%A9&s=&r=below_floor&p=0.00", get.Url);
        Assert.Null(get.Body);

        var post = PostbackTemplates.Render(new PostbackTemplate { Url = "https://p.example/cb", Method = "POST" }, values);
        var body = JsonDocument.Parse(post.Body!).RootElement;
        Assert.Equal("a b&c=d/é", body.GetProperty("externalId").GetString());
        Assert.Equal("below_floor", body.GetProperty("reasonCode").GetString());
    }

    [Fact]
    public void Signature_is_hmac_sha256_of_timestamp_and_payload_and_expires()
    {
        var header = PostbackSignature.Sign("k", 1_700_000_000, "/cb?x=1");
        // echo -n "1700000000./cb?x=1" | openssl dgst -sha256 -hmac k
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("k"u8.ToArray(), "1700000000./cb?x=1"u8.ToArray()));
        Assert.Equal($"t=1700000000,v1={expected}", header);
        var at = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        Assert.True(PostbackSignature.Verify("k", header, "/cb?x=1", at, TimeSpan.FromMinutes(5)));
        Assert.False(PostbackSignature.Verify("k", header, "/cb?x=2", at, TimeSpan.FromMinutes(5)));
        Assert.False(PostbackSignature.Verify("k", header, "/cb?x=1", at.AddMinutes(10), TimeSpan.FromMinutes(5)));
        Assert.False(PostbackSignature.Verify("k", "garbage", "/cb?x=1", at, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task Admin_api_answers_bad_input_with_clear_problems()
    {
        var s = await ScenarioAsync();
        using var admin = _host.Admin();
        foreach (var (query, member) in new[] { ("state=bogus", "state"), ("take=0", "take"), ("take=x", "take"), ("skip=-1", "skip"), ("leadId=nope", "leadId") })
            ApiAssert.Errors(await ApiAssert.ProblemAsync(await admin.GetAsync("/api/v1/admin/postbacks?" + query), HttpStatusCode.BadRequest), member);
        await ApiAssert.ProblemAsync(await admin.PostAsync("/api/v1/admin/postbacks/999999/retry", null), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await admin.PostAsJsonAsync("/api/v1/admin/publishers/no-such/postbacks/test", new { @event = "sold" }),
            HttpStatusCode.NotFound);
        var test = $"/api/v1/admin/publishers/{s.Publisher}/postbacks/test";
        ApiAssert.Errors(await ApiAssert.ProblemAsync(await admin.PostAsJsonAsync(test, new { @event = "bought" }), HttpStatusCode.BadRequest), "event");
        await ApiAssert.ProblemAsync(await admin.PostAsync(test, new StringContent("{", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        ApiAssert.Errors(await ApiAssert.ProblemAsync(await admin.PostAsJsonAsync(test, new { @event = "sold", template = new { url = "nope" } }),
            HttpStatusCode.BadRequest), "template.url");
        using (var anonymous = _host.CreateClient())
            await ApiAssert.ProblemAsync(await anonymous.GetAsync("/api/v1/admin/postbacks"), HttpStatusCode.Unauthorized);

        // A good test: sent now, signed, nothing stored.
        var answer = await ApiAssert.OkJsonAsync(await admin.PostAsJsonAsync(test, new { @event = "unsold" }));
        Assert.Equal(200, answer.GetProperty("status").GetInt32());
        Assert.Contains("rc=no_bids", answer.GetProperty("url").GetString());
        Assert.StartsWith("t=", answer.GetProperty("signature").GetString());
        var log = await ApiAssert.OkJsonAsync(await admin.GetAsync($"/api/v1/admin/postbacks?publisher={s.Publisher}"));
        Assert.Equal(0, log.GetProperty("total").GetInt32());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("condition not met within 60 s");
            await Task.Delay(100);
        }
    }
}
