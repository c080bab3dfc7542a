using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Api;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Delivery;

// Each format end to end: the real host pings and posts real loopback buyers that speak it,
// and the answers decide the sale as the rules say. Credentials stay out of exports, traces and logs.
public sealed class BuyerFormatsOverHttpTests(LogCapturingLeadHubFactory host) : IClassFixture<LogCapturingLeadHubFactory>, IAsyncLifetime
{
    private LoopbackBuyers _buyers = null!;

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync() => await _buyers.DisposeAsync();

    private static JsonElement E(object value) => JsonSerializer.SerializeToElement(value);

    // One campaign, one publisher and one buyer with the given format; generous timeouts for a busy machine.
    private async Task<(string Campaign, HttpClient Publisher, string Buyer)> SetUpAsync(string name, BuyerFormat format, BuyerBehaviour behaviour)
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("fmt"), auctionTimeoutMs: 10_000);
        var buyer = TestWorkspace.Unique(name);
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        _buyers.Set(buyer, behaviour);
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers =
            [
                TestWorkspace.Buyer(buyer, TestWorkspace.PingPost(buyer + "-c", campaign.Key, _buyers.PingUrl(buyer), _buyers.PostUrl(buyer), timeoutMs: 5000)
                    with { Format = format }),
            ],
        });
        return (campaign.Key, host.Publisher(apiKey), buyer);
    }

    private async Task<(JsonElement Answer, JsonElement Lead)> SellAsync(HttpClient publisher, string campaign)
    {
        var response = await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign));
        var answer = await ApiAssert.OkJsonAsync(response);
        var lead = await AdminReads.LeadAsync(host, answer.GetProperty("leadId").GetGuid());
        return (answer, lead);
    }

    private static JsonElement PostStep(JsonElement lead) =>
        lead.GetProperty("trace").EnumerateArray().Single(s => s.GetProperty("kind").GetString() == "post");

    [Fact]
    public async Task Json_buyer_with_string_payout_round_trips()
    {
        var format = new BuyerFormat
        {
            Ping = new PhaseFormat
            {
                Rename = new() { ["zip"] = "ZipCode" },
                ValueMaps = new() { ["homeowner"] = new() { ["true"] = E("Y"), ["false"] = E("N") } },
                Static = new() { ["vendor"] = E("leadhub") },
                Meta = new() { ["ping_id"] = "PingID" },
                Response = new ResponseRules { Accepted = "$.Success", Bid = "$.Payout" },
            },
            Post = new PhaseFormat
            {
                Template = """{"PingID":"{{ ping_id }}","LeadID":"{{ lead_id }}","Price":{{ price }},"Email":"{{ lead.email }}","Own":"{{ lead.homeowner }}"}""",
                ValueMaps = new() { ["homeowner"] = new() { ["true"] = E("Y") } },
                Response = new ResponseRules { Accepted = "$.Success", BuyerLeadId = "$.LeadId", Reason = "$.Message" },
            },
        };
        var (campaign, publisher, buyer) = await SetUpAsync("json", format, new BuyerBehaviour
        {
            Ping = BuyerAnswer.Raw("""{"Success":true,"Payout":"50.00"}""", "application/json"),
            Post = BuyerAnswer.Raw("""{"Success":true,"LeadId":"J-1"}""", "application/json"),
        });

        var (answer, lead) = await SellAsync(publisher, campaign);

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Equal(50m, lead.GetProperty("price").GetDecimal());
        Assert.Contains("J-1", PostStep(lead).GetProperty("reason").GetString());

        var ping = Assert.Single(_buyers.CallsTo(buyer, "ping"));
        Assert.StartsWith("application/json", ping.ContentType);
        Assert.Equal("94107", (string?)ping.Body["ZipCode"]);
        Assert.Equal("Y", (string?)ping.Body["homeowner"]);
        Assert.Equal("leadhub", (string?)ping.Body["vendor"]);
        Assert.False(ping.Body.ContainsKey("email"));
        var post = Assert.Single(_buyers.CallsTo(buyer, "post"));
        Assert.Equal((string?)ping.Body["PingID"], (string?)post.Body["PingID"]);
        Assert.Equal(answer.GetProperty("leadId").GetString(), (string?)post.Body["LeadID"]);
        Assert.Equal(50m, (decimal)post.Body["Price"]!);
        Assert.Equal("Y", (string?)post.Body["Own"]);
        Assert.EndsWith("@example.com", (string?)post.Body["Email"]);
    }

    [Fact]
    public async Task Xml_buyer_with_matched_status_round_trips()
    {
        var format = new BuyerFormat
        {
            Ping = new PhaseFormat
            {
                ContentType = ContentTypes.Xml, XmlRoot = "request",
                Response = new ResponseRules { Kind = ResponseKinds.Xml, Accepted = "/response/status", AcceptedWhen = "matched", Bid = "/response/price" },
            },
            Post = new PhaseFormat
            {
                ContentType = ContentTypes.Xml, Method = "PUT", Meta = new() { ["lead_id"] = "LeadId", ["price"] = "Price" },
                Response = new ResponseRules { Kind = ResponseKinds.Xml, Accepted = "/response/status", AcceptedWhen = "Accepted", BuyerLeadId = "/response/id" },
            },
        };
        var (campaign, publisher, buyer) = await SetUpAsync("xml", format, new BuyerBehaviour
        {
            Ping = BuyerAnswer.Raw("<response><status>Matched</status><price>12.5</price></response>", "application/xml"),
            Post = BuyerAnswer.Raw("<response><status>Accepted</status><id>X-9</id></response>", "text/xml"),
        });

        var (answer, lead) = await SellAsync(publisher, campaign);

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Equal(12.5m, lead.GetProperty("price").GetDecimal());
        Assert.Contains("X-9", PostStep(lead).GetProperty("reason").GetString());
        var ping = Assert.Single(_buyers.CallsTo(buyer, "ping"));
        Assert.StartsWith("application/xml", ping.ContentType);
        var pingXml = XElement.Parse(ping.RawBody);
        Assert.Equal("request", pingXml.Name.LocalName);
        Assert.Equal("94107", pingXml.Element("zip")!.Value);
        Assert.Null(pingXml.Element("phone"));
        var post = Assert.Single(_buyers.CallsTo(buyer, "post"));
        Assert.Equal("PUT", post.Method);
        var postXml = XElement.Parse(post.RawBody);
        Assert.Equal("lead", postXml.Name.LocalName);
        Assert.Equal(answer.GetProperty("leadId").GetString(), postXml.Element("LeadId")!.Value);
        Assert.Equal("12.5", postXml.Element("Price")!.Value);
        Assert.StartsWith("+1415", postXml.Element("phone")!.Value);
    }

    [Fact]
    public async Task Form_buyer_answering_plain_text_is_read_by_regex()
    {
        var regexRules = new ResponseRules { Kind = ResponseKinds.Regex, Accepted = "result=(\\w+)", AcceptedWhen = "accepted", Reason = "reason=([^&]+)" };
        var format = new BuyerFormat
        {
            Ping = new PhaseFormat
            {
                Method = "GET", ValueMaps = new() { ["state"] = new() { ["CA"] = E("California") } },
                Response = regexRules with { Bid = "price=([0-9.]+)" },
            },
            Post = new PhaseFormat
            {
                ContentType = ContentTypes.Form, Rename = new() { ["first_name"] = "fname" }, Meta = new() { ["price"] = "amount" },
                Response = regexRules with { BuyerLeadId = "id=(\\S+)" },
            },
        };
        var (campaign, publisher, buyer) = await SetUpAsync("form", format, new BuyerBehaviour
        {
            Ping = BuyerAnswer.Raw("result=accepted&price=12", "text/plain"),
            Post = BuyerAnswer.Raw("result=accepted&id=F-3", "text/plain"),
        });

        var (answer, lead) = await SellAsync(publisher, campaign);

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Equal(12m, lead.GetProperty("price").GetDecimal());
        Assert.Contains("F-3", PostStep(lead).GetProperty("reason").GetString());
        var ping = Assert.Single(_buyers.CallsTo(buyer, "ping"));
        Assert.Equal("GET", ping.Method);
        Assert.Contains("zip=94107", ping.Query);
        Assert.Contains("state=California", ping.Query);
        var post = Assert.Single(_buyers.CallsTo(buyer, "post"));
        Assert.StartsWith("application/x-www-form-urlencoded", post.ContentType);
        Assert.Contains("fname=Ana", post.RawBody);
        Assert.Contains("amount=12", post.RawBody);
        Assert.Contains("email=ana.", post.RawBody);
    }

    [Fact]
    public async Task Regex_buyer_rejecting_the_post_records_its_reason()
    {
        var format = new BuyerFormat
        {
            Post = new PhaseFormat
            {
                ContentType = ContentTypes.Form,
                Response = new ResponseRules { Kind = ResponseKinds.Regex, Accepted = "result=(\\w+)", AcceptedWhen = "accepted", Reason = "reason=([^&]+)" },
            },
        };
        var (campaign, publisher, _) = await SetUpAsync("picky", format, new BuyerBehaviour
        {
            Ping = BuyerAnswer.Bid(9),
            Post = BuyerAnswer.Raw("result=rejected&reason=duplicate", "text/plain"),
        });

        var (answer, lead) = await SellAsync(publisher, campaign);

        Assert.Equal("unsold", answer.GetProperty("status").GetString());
        var post = PostStep(lead);
        Assert.Equal("rejected", post.GetProperty("outcome").GetString());
        Assert.Equal("duplicate", post.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Basic_auth_buyer_gets_its_header_and_the_password_is_nowhere_else()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var format = new BuyerFormat { Auth = new BuyerAuth { Type = AuthTypes.Basic, Username = "acme", Password = password } };
        var (campaign, publisher, buyer) = await SetUpAsync("auth", format,
            new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() });
        var header = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("acme:" + password));

        var (answer, lead) = await SellAsync(publisher, campaign);

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Equal(header, Assert.Single(_buyers.CallsTo(buyer, "ping")).Headers["Authorization"]);
        Assert.Equal(header, Assert.Single(_buyers.CallsTo(buyer, "post")).Headers["Authorization"]);

        using var admin = host.Admin();
        var export = await admin.GetStringAsync("/api/v1/admin/workspace");
        Assert.DoesNotContain(password, export);
        var auth = ExportedContract(export, buyer)["format"]!["auth"]!;
        Assert.Null(auth["password"]);
        Assert.True((bool)auth["passwordSet"]!);
        Assert.Equal("acme", (string?)auth["username"]);

        Assert.DoesNotContain(password, lead.GetRawText());
        var secret = header["Basic ".Length..];
        // Every log line of the whole exchange, down to Trace, is free of the secret.
        Assert.NotEmpty(host.Logs);
        Assert.All(host.Logs, line =>
        {
            Assert.DoesNotContain(password, line);
            Assert.DoesNotContain(secret, line);
        });

        // Encrypted at rest: neither the row nor its JSON holds the clear password.
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var row = await db.Contracts.SingleAsync(c => c.Key == buyer + "-c");
        Assert.False(string.IsNullOrEmpty(row.AuthSecret));
        Assert.DoesNotContain(password, row.AuthSecret);
        Assert.DoesNotContain(password, row.Json);
        Assert.NotEmpty(await db.DataProtectionKeys.ToListAsync());
    }

    [Fact]
    public async Task Reimporting_an_export_keeps_the_stored_token()
    {
        var token = "tok-" + Guid.NewGuid().ToString("N");
        var format = new BuyerFormat
        {
            Post = new PhaseFormat { Response = new ResponseRules { Accepted = "$.accepted" } },
            Auth = new BuyerAuth { Type = AuthTypes.Bearer, Token = token },
        };
        var (campaign, publisher, buyer) = await SetUpAsync("bearer", format,
            new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() });
        using var admin = host.Admin();
        var exported = JsonNode.Parse(await admin.GetStringAsync("/api/v1/admin/workspace"))!;
        var exportedBuyer = exported["buyers"]!.AsArray().Single(b => (string?)b!["key"] == buyer)!;
        Assert.Null(exportedBuyer["contracts"]![0]!["format"]!["auth"]!["token"]);

        var reimport = await admin.PutAsync("/api/v1/admin/workspace",
            Bodies.Json(new JsonObject { ["buyers"] = new JsonArray(exportedBuyer.DeepClone()) }.ToJsonString()));
        await ApiAssert.OkJsonAsync(reimport);
        var (answer, _) = await SellAsync(publisher, campaign);

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.All(_buyers.CallsTo(buyer, "post").Concat(_buyers.CallsTo(buyer, "ping")),
            call => Assert.Equal("Bearer " + token, call.Headers["Authorization"]));
        Assert.DoesNotContain(token, await admin.GetStringAsync("/api/v1/admin/workspace"));
        Assert.All(host.Logs, line => Assert.DoesNotContain(token, line));
    }

    [Fact]
    public async Task Named_secrets_sign_headers_are_encrypted_kept_on_reimport_and_shown_nowhere()
    {
        var key = "sk-" + Guid.NewGuid().ToString("N");
        var token = "tk-" + Guid.NewGuid().ToString("N");
        var format = new BuyerFormat
        {
            Secrets = new() { ["api_key"] = key, ["token"] = token },
            Ping = new PhaseFormat { Headers = new() { ["X-Api-Key"] = "{{ secrets.api_key }}" } },
            Post = new PhaseFormat { Headers = new() { ["Authorization"] = "Basic acme:{{ secrets.api_key }} Token {{ secrets.token }}" } },
        };
        var (campaign, publisher, buyer) = await SetUpAsync("named", format,
            new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() });
        using var admin = host.Admin();
        var exported = JsonNode.Parse(await admin.GetStringAsync("/api/v1/admin/workspace"))!;
        var exportedBuyer = exported["buyers"]!.AsArray().Single(b => (string?)b!["key"] == buyer)!;
        var secrets = exportedBuyer["contracts"]![0]!["format"]!["secrets"]!.AsObject();
        Assert.Equal(["api_key", "token"], secrets.Select(p => p.Key).Order().ToArray());
        Assert.All(secrets, p => Assert.Null(p.Value));

        // An export imported again keeps what is stored.
        await ApiAssert.OkJsonAsync(await admin.PutAsync("/api/v1/admin/workspace",
            Bodies.Json(new JsonObject { ["buyers"] = new JsonArray(exportedBuyer.DeepClone()) }.ToJsonString())));
        var (answer, lead) = await SellAsync(publisher, campaign);

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Equal(key, Assert.Single(_buyers.CallsTo(buyer, "ping")).Headers["X-Api-Key"]);
        Assert.Equal($"Basic acme:{key} Token {token}", Assert.Single(_buyers.CallsTo(buyer, "post")).Headers["Authorization"]);
        Assert.DoesNotContain(key, lead.GetRawText());
        Assert.DoesNotContain(key, await admin.GetStringAsync("/api/v1/admin/workspace"));
        Assert.All(host.Logs, line => Assert.DoesNotContain(key, line));
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var row = await db.Contracts.SingleAsync(c => c.Key == buyer + "-c");
        Assert.DoesNotContain(key, row.AuthSecret);
        Assert.DoesNotContain(token, row.AuthSecret);
        Assert.DoesNotContain(key, row.Json);

        // "Try it" shows the request with every secret blanked.
        var tried = await ApiAssert.OkJsonAsync(await admin.PostAsJsonAsync($"/api/v1/admin/contracts/{buyer}-c/try", new { phase = "post" }));
        var request = tried.GetProperty("request").GetString()!;
        Assert.Contains("Authorization: Basic ***", request);
        Assert.DoesNotContain(key, request);
        Assert.DoesNotContain(token, request);
    }

    [Fact]
    public async Task A_named_secret_left_null_that_was_never_stored_is_refused_by_name()
    {
        var (_, _, buyer) = await SetUpAsync("nullsecret", new BuyerFormat(), new BuyerBehaviour());
        using var admin = host.Admin();
        var exported = JsonNode.Parse(await admin.GetStringAsync("/api/v1/admin/workspace"))!;
        var exportedBuyer = exported["buyers"]!.AsArray().Single(b => (string?)b!["key"] == buyer)!.DeepClone();
        exportedBuyer["contracts"]![0]!["format"] = JsonNode.Parse("""{ "secrets": { "api_key": null }, "ping": { "headers": { "X-Api-Key": "{{ secrets.api_key }}" } } }""");

        var response = await admin.PutAsync("/api/v1/admin/workspace",
            Bodies.Json(new JsonObject { ["buyers"] = new JsonArray(exportedBuyer) }.ToJsonString()));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("api_key", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Removing_auth_forgets_the_secret()
    {
        var format = new BuyerFormat { Auth = new BuyerAuth { Type = AuthTypes.Bearer, Token = "tok-" + Guid.NewGuid().ToString("N") } };
        var (campaign, publisher, buyer) = await SetUpAsync("noauth", format,
            new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() });
        using var admin = host.Admin();
        var exported = JsonNode.Parse(await admin.GetStringAsync("/api/v1/admin/workspace"))!;
        var exportedBuyer = exported["buyers"]!.AsArray().Single(b => (string?)b!["key"] == buyer)!.DeepClone();
        exportedBuyer["contracts"]![0]!["format"] = null;

        await ApiAssert.OkJsonAsync(await admin.PutAsync("/api/v1/admin/workspace",
            Bodies.Json(new JsonObject { ["buyers"] = new JsonArray(exportedBuyer) }.ToJsonString())));
        await SellAsync(publisher, campaign);

        Assert.False(Assert.Single(_buyers.CallsTo(buyer, "ping")).Headers.ContainsKey("Authorization"));
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        Assert.Null((await db.Contracts.SingleAsync(c => c.Key == buyer + "-c")).AuthSecret);
    }

    [Fact]
    public async Task Malformed_template_and_rules_are_refused_at_import_with_their_paths()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var buyer = TestWorkspace.Unique("broken");
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("fmt"));
        var contract = TestWorkspace.PingPost(buyer + "-c", campaign.Key, _buyers.PingUrl(buyer), _buyers.PostUrl(buyer)) with
        {
            Format = new BuyerFormat
            {
                Ping = new PhaseFormat
                {
                    Template = "{{ lead.zip ",
                    Response = new ResponseRules { Kind = ResponseKinds.Xml, Bid = "/response/price[" },
                },
                Post = new PhaseFormat
                {
                    ContentType = "yaml",
                    Response = new ResponseRules { Kind = ResponseKinds.Regex, Accepted = "result=accepted" },
                },
                Auth = new BuyerAuth { Type = AuthTypes.Basic, Username = "acme", Password = password },
            },
        };
        using var admin = host.Admin();

        var response = await admin.PutAsJsonAsync("/api/v1/admin/workspace",
            new WorkspaceDocument { Campaigns = [campaign], Buyers = [TestWorkspace.Buyer(buyer, contract)] }, WorkspaceJson.Options);

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        const string path = "$.buyers[0].contracts[0].format";
        ApiAssert.Errors(problem, $"{path}.ping.template");
        ApiAssert.Errors(problem, $"{path}.ping.response.bid");
        ApiAssert.Errors(problem, $"{path}.post.contentType");
        Assert.Contains("capture group", ApiAssert.Errors(problem, $"{path}.post.response.accepted").Single());
        Assert.DoesNotContain(password, problem.GetRawText());
        Assert.DoesNotContain(buyer, await admin.GetStringAsync("/api/v1/admin/workspace"));
    }

    private static JsonNode ExportedContract(string export, string buyer) =>
        JsonNode.Parse(export)!["buyers"]!.AsArray().Single(b => (string?)b!["key"] == buyer)!["contracts"]![0]!;
}
