using System.Net;
using System.Net.Http.Json;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Api;

// CONTRACT §1 422 and §3.1–3.2: a lead failing field validation is stored quarantined with its
// errors, answered with a problem naming every bad field, and never blocks its corrected version.
public class LeadPostInvalidLeadTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    [Fact]
    public async Task Invalid_fields_are_422_with_lead_id_and_an_error_per_field()
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);
        var lead = TestWorkspace.Lead(s.Campaign, new
        {
            phone = "12", email = "ana-at-example", zip = "ABCDE", state = "XX", age = 7, tcpa_consent = false,
        });

        var response = await client.PostAsJsonAsync("/api/v1/leads", lead);

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        foreach (var field in new[] { "phone", "email", "zip", "state", "age", "tcpa_consent" }) ApiAssert.Errors(problem, field);
        Assert.False(problem.GetProperty("errors").TryGetProperty("first_name", out _), "a valid field was reported");
        var leadId = problem.GetProperty("leadId").GetGuid();

        var stored = await AdminReads.LeadAsync(factory, leadId);
        Assert.Equal("invalid", stored.GetProperty("status").GetString());
        Assert.Equal(s.Campaign, stored.GetProperty("campaign").GetString());
        Assert.Equal(s.Publisher, stored.GetProperty("publisher").GetString());
        foreach (var field in new[] { "phone", "email", "zip", "state", "age", "tcpa_consent" })
            Assert.NotEmpty(stored.GetProperty("errors").GetProperty(field).EnumerateArray());
        // Quarantined with the raw input, so a manager sees what was sent.
        Assert.Equal("ABCDE", stored.GetProperty("fields").GetProperty("zip").GetString());
        Assert.Empty(stored.GetProperty("trace").EnumerateArray());
    }

    [Fact]
    public async Task Missing_required_fields_are_422()
    {
        var s = await ApiScenario.CreateAsync(factory);
        using var client = factory.Publisher(s.ApiKey);

        var response = await client.PostAsJsonAsync("/api/v1/leads", new { campaign = s.Campaign, fields = new { first_name = "Ana" } });

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        foreach (var field in new[] { "phone", "email", "zip", "state", "tcpa_consent" }) ApiAssert.Errors(problem, field);
        Assert.Equal(1, await AdminReads.LeadCountAsync(factory, s.Campaign));
    }

    [Fact]
    public async Task Corrected_resubmission_of_a_quarantined_lead_is_routed_not_duplicate()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        using var client = factory.Publisher(s.ApiKey);
        // Phone and email are valid, so the quarantined lead carries the same dedupe keys as its correction.
        var person = new { phone = "+1 415 555 0199", email = $"fix.{Guid.NewGuid():N}@example.com" };

        var bad = await client.PostAsJsonAsync("/api/v1/leads",
            TestWorkspace.Lead(s.Campaign, new { person.phone, person.email, age = 7 }));
        var problem = await ApiAssert.ProblemAsync(bad, HttpStatusCode.UnprocessableEntity);
        ApiAssert.Errors(problem, "age");
        var badId = problem.GetProperty("leadId").GetGuid();

        var good = await client.PostAsJsonAsync("/api/v1/leads",
            TestWorkspace.Lead(s.Campaign, new { person.phone, person.email, age = 40 }));

        var answer = await ApiAssert.OkJsonAsync(good);
        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.NotEqual(badId, answer.GetProperty("leadId").GetGuid());
        Assert.Single(buyers.CallsTo(s.Buyer, "ping"));
        Assert.Single(buyers.CallsTo(s.Buyer, "post"));
        Assert.Equal("invalid", (await AdminReads.LeadAsync(factory, badId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Invalid_lead_is_never_sent_to_a_buyer()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        using var client = factory.Publisher(s.ApiKey);

        var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign, new { state = "Narnia" }));

        await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Empty(buyers.Calls);
    }
}
