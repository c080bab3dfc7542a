using System.Net;
using System.Text;
using System.Text.Json;
using LeadHub.Core.Storage;
using LeadHub.Core.Validation;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Api;

// A lone UTF-16 surrogate ("A\ud800") or invalid UTF-8 inside a JSON string is the client's
// mistake: 400/422 naming the field, never a 500; a lead quarantined for it can be opened.
public class InvalidUnicodeTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    // The two kinds of bad text, spliced into a JSON string value as raw bytes.
    public static byte[] Bad(string kind) => kind == "lone-surrogate" ? "A\\ud800"u8.ToArray() : [(byte)'A', 0xFF, 0xC3];

    // `json` with every "@BAD@" replaced by the bad bytes of `kind`.
    public static ByteArrayContent Body(string json, string kind)
    {
        var parts = json.Split("@BAD@").Select(Encoding.UTF8.GetBytes).ToArray();
        var bytes = parts.Skip(1).Aggregate(parts[0].AsEnumerable(), (all, part) => all.Concat(Bad(kind)).Concat(part)).ToArray();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");
        return content;
    }

    private static string LeadJson(string campaign, string firstName = "@BAD@") =>
        $$$"""{"campaign":"{{{campaign}}}","fields":{"first_name":"{{{firstName}}}","last_name":"Ruiz","email":"ana.{{{Guid.NewGuid():N}}}@example.com","phone":"+1 415 555 0134","zip":"94107","state":"CA","age":34,"homeowner":true,"tcpa_consent":true}}""";

    [Theory]
    [InlineData("lone-surrogate")]
    [InlineData("invalid-utf8")]
    public async Task Bad_text_in_a_lead_field_is_422_naming_it_and_the_quarantined_lead_opens_in_the_admin_api(string kind)
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);

        var response = await client.PostAsync("/api/v1/leads", Body(LeadJson(s.Campaign), kind));

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("Unicode", ApiAssert.Errors(problem, "first_name")[0]);
        var stored = await AdminReads.LeadAsync(factory, problem.GetProperty("leadId").GetGuid());
        Assert.Equal("invalid", stored.GetProperty("status").GetString());
        // Stored repaired: the bad code units became U+FFFD, the rest of the text is kept.
        Assert.StartsWith("A\uFFFD", stored.GetProperty("fields").GetProperty("first_name").GetString());
        Assert.NotEmpty(ApiAssert.Errors(stored, "first_name"));
    }

    [Theory]
    [InlineData("lone-surrogate")]
    [InlineData("invalid-utf8")]
    public async Task Bad_text_in_a_ping_field_is_422_naming_it(string kind)
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);

        var response = await client.PostAsync("/api/v1/pings",
            Body($$$"""{"campaign":"{{{s.Campaign}}}","fields":{"zip":"9410@BAD@","state":"CA","age":34,"tcpa_consent":true}}""", kind));

        ApiAssert.Errors(await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity), "zip");
    }

    [Theory]
    [InlineData("lone-surrogate")]
    [InlineData("invalid-utf8")]
    public async Task Bad_text_in_a_posted_ping_is_422_naming_it(string kind)
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        using var client = factory.Publisher(s.ApiKey);
        var ping = await ApiAssert.OkJsonAsync(await client.PostAsync("/api/v1/pings",
            Bodies.Json($$$"""{"campaign":"{{{s.Campaign}}}","fields":{"zip":"94107","state":"CA","age":34,"tcpa_consent":true}}""")));

        var response = await client.PostAsync($"/api/v1/pings/{ping.GetProperty("pingId").GetGuid()}/post", Body(LeadJson(s.Campaign), kind));

        ApiAssert.Errors(await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity), "first_name");
    }

    [Theory]
    [InlineData("lone-surrogate")]
    [InlineData("invalid-utf8")]
    public async Task Bad_text_in_the_campaign_key_is_400_naming_it(string kind)
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);

        var response = await client.PostAsync("/api/v1/leads", Body("""{"campaign":"@BAD@","fields":{}}""", kind));

        ApiAssert.Errors(await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest), "campaign");
    }

    [Theory]
    [InlineData("lone-surrogate")]
    [InlineData("invalid-utf8")]
    public async Task Bad_text_in_a_return_reason_is_400_naming_it(string kind)
    {
        var buyerKey = "key-" + Guid.NewGuid().ToString("N");
        var buyer = TestWorkspace.Unique("ret");
        await factory.ImportAsync(new WorkspaceDocument { Buyers = [TestWorkspace.Buyer(buyer) with { ApiKey = buyerKey }] });
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", buyerKey);

        var response = await client.PostAsync("/api/v1/returns", Body($$$"""{"leadId":"{{{Guid.NewGuid()}}}","reason":"bad @BAD@"}""", kind));

        ApiAssert.Errors(await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest), "reason");
    }

    [Theory]
    [InlineData("lone-surrogate")]
    [InlineData("invalid-utf8")]
    public async Task Bad_text_in_a_contract_try_lead_is_422_naming_it(string kind)
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        using var admin = factory.Admin();

        var response = await admin.PostAsync($"/api/v1/admin/contracts/{s.Contract}/try",
            Body("""{"phase":"ping","lead":{"zip":"@BAD@"}}""", kind));

        ApiAssert.Errors(await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity), "lead.zip");
        Assert.Empty(buyers.CallsTo(s.Buyer, "ping"));
    }

    [Theory]
    [InlineData("lone-surrogate")]
    [InlineData("invalid-utf8")]
    public async Task Bad_text_in_a_workspace_import_is_422_with_its_path_and_changes_nothing(string kind)
    {
        var key = TestWorkspace.Unique("uni");
        using var admin = factory.Admin();

        var response = await admin.PutAsync("/api/v1/admin/workspace",
            Body($$$"""{"campaigns":[{"key":"{{{key}}}","name":"Bad @BAD@ name","fields":[]}]}""", kind));

        ApiAssert.Errors(await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity), "$.campaigns[0].name");
        Assert.DoesNotContain((await factory.Workspace().ExportAsync()).Campaigns, c => c.Key == key);
    }

    // A lead stored before this check existed holds the bad escape in its raw text; it must still open.
    [Fact]
    public async Task A_stored_lead_with_a_lone_surrogate_opens_in_the_admin_api()
    {
        var id = Guid.CreateVersion7();
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync())
        {
            db.Leads.Add(new LeadRow
            {
                Id = id, CampaignKey = "old", PublisherKey = "old", Status = LeadStatus.Invalid, ReceivedAt = DateTimeOffset.UtcNow,
                FieldsJson = """{"first_name":"A\ud800","\udc00":"x"}""", ErrorsJson = """{"first_name":["bad"]}""",
            });
            await db.SaveChangesAsync();
        }

        var stored = await AdminReads.LeadAsync(factory, id);

        Assert.Equal("A\uFFFD", stored.GetProperty("fields").GetProperty("first_name").GetString());
        Assert.Equal("x", stored.GetProperty("fields").GetProperty("\uFFFD").GetString());
    }

    [Theory]
    [InlineData("""{"a":"A\ud800"}""", """{"a":"A\uFFFD"}""")]
    [InlineData("""{"a":"\udc00\ud800x"}""", """{"a":"\uFFFD\uFFFDx"}""")]
    [InlineData("""{"a":"\ud83d\ude00"}""", """{"a":"\ud83d\ude00"}""")] // a valid pair stays
    [InlineData("""{"a":"\\ud800"}""", """{"a":"\\ud800"}""")] // an escaped backslash, not an escape
    [InlineData("""{"a":"\\\ud800"}""", """{"a":"\\\uFFFD"}""")]
    public void Repair_replaces_only_unpaired_surrogates(string json, string expected)
    {
        Assert.Equal(expected, JsonUnicode.Repair(json));
        using var _ = JsonDocument.Parse(expected);
    }
}
