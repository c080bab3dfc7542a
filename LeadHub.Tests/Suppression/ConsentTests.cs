using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Validation;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Api;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Suppression;

// Consent evidence (README "Suppression and consent"): TrustedForm certificate URLs and Jornaya
// LeadiD tokens are checked for their documented shape, a campaign can require one, and the
// certificate and the consent text travel to the buyer in the post, never in the ping.
public class ConsentTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    private const string Cert = "https://cert.trustedform.com/0123456789abcdef0123456789ABCDEF01234567";
    private const string LeadId = "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d";
    private const string ConsentText = "By clicking Submit I agree that Acme Insurance and its partners may call me at the number above, including by autodialer.";

    private static readonly FieldDefinition[] ConsentFields =
    [
        new() { Name = "trustedform_cert_url", Type = FieldTypes.TrustedForm, Pii = true },
        new() { Name = "jornaya_leadid", Type = FieldTypes.Jornaya, Pii = true },
        new() { Name = "consent_text", Type = FieldTypes.ConsentText, Pii = true },
    ];

    // A campaign with the consent fields and one loopback buyer, whose post format renames the
    // certificate to the name buyers commonly expect.
    private async Task<ApiScenario> ScenarioAsync(LoopbackBuyers buyers, ConsentConfig? consent = null)
    {
        var s = await ApiScenario.CreateAsync(factory, buyers);
        var doc = await ExportAsync();
        var campaign = doc.Campaigns.Single(c => c.Key == s.Campaign);
        var buyer = doc.Buyers.Single(b => b.Key == s.Buyer);
        var contract = buyer.Contracts.Single() with
        {
            Format = new BuyerFormat { Post = new PhaseFormat { FieldsUnder = "lead", Rename = new() { ["trustedform_cert_url"] = "xxTrustedFormCertUrl" } } },
        };
        await factory.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign with { Fields = [.. campaign.Fields, .. ConsentFields], Consent = consent }],
            Buyers = [buyer with { Contracts = [contract] }],
        });
        return s;
    }

    private async Task<WorkspaceDocument> ExportAsync()
    {
        using var admin = factory.Admin();
        return (await admin.GetFromJsonAsync<WorkspaceDocument>("/api/v1/admin/workspace", WorkspaceJson.Options))!;
    }

    [Fact]
    public async Task Certificate_and_consent_text_reach_the_buyers_post_and_never_its_ping()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ScenarioAsync(buyers);
        using var client = factory.Publisher(s.ApiKey);

        var answer = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign,
            new { trustedform_cert_url = Cert, jornaya_leadid = LeadId, consent_text = ConsentText })));

        Assert.Equal("sold", answer.GetProperty("status").GetString());
        var ping = Assert.Single(buyers.CallsTo(s.Buyer, "ping"));
        Assert.DoesNotContain("trustedform", ping.RawBody);
        Assert.DoesNotContain(LeadId, ping.RawBody, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Acme", ping.RawBody);
        var post = Assert.Single(buyers.CallsTo(s.Buyer, "post")).Body["lead"]!;
        // Normalised: lower-case certificate id, upper-case LeadiD, the text exactly as agreed.
        Assert.Equal(Cert.ToLowerInvariant(), (string?)post["xxTrustedFormCertUrl"]);
        Assert.Equal(LeadId.ToUpperInvariant(), (string?)post["jornaya_leadid"]);
        Assert.Equal(ConsentText, (string?)post["consent_text"]);
        var stored = await AdminReads.LeadAsync(factory, answer.GetProperty("leadId").GetGuid());
        Assert.Contains(ConsentText, stored.GetRawText());
    }

    [Theory]
    [InlineData("trustedform_cert_url", "http://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567")]
    [InlineData("trustedform_cert_url", "https://cert.trustedform.com/0123456789abcdef")]
    [InlineData("trustedform_cert_url", "https://evil.example.com/0123456789abcdef0123456789abcdef01234567")]
    [InlineData("trustedform_cert_url", "https://cert.trustedform.com/0123456789abcdef0123456789abcdef0123456z")]
    [InlineData("jornaya_leadid", "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d")]
    [InlineData("jornaya_leadid", "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6g")]
    [InlineData("jornaya_leadid", "{1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d}")]
    public async Task Malformed_certificate_is_refused_as_an_invalid_field(string field, string value)
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ScenarioAsync(buyers, new ConsentConfig { Certificate = ConsentCertificates.Either });
        using var client = factory.Publisher(s.ApiKey);

        var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign, new Dictionary<string, string> { [field] = value }));

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("invalid_field", problem.GetProperty("reasonCode").GetString());
        Assert.NotEmpty(ApiAssert.Errors(problem, field));
        Assert.False(problem.GetProperty("errors").TryGetProperty(ConsentRules.ErrorKey, out _), "a malformed certificate is not also 'missing'");
        Assert.Empty(buyers.Calls);
    }

    [Fact]
    public async Task Required_certificate_missing_is_refused_with_consent_missing_and_stored_quarantined()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ScenarioAsync(buyers, new ConsentConfig { Certificate = ConsentCertificates.TrustedForm, RequireText = true });
        using var client = factory.Publisher(s.ApiKey);

        // A Jornaya token is not the TrustedForm certificate this campaign requires.
        var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign, new { jornaya_leadid = LeadId }));

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("consent_missing", problem.GetProperty("reasonCode").GetString());
        Assert.Equal([ConsentRules.TrustedFormMissing, ConsentRules.TextMissing], ApiAssert.Errors(problem, "consent"));
        var stored = await AdminReads.LeadAsync(factory, problem.GetProperty("leadId").GetGuid());
        Assert.Equal("invalid", stored.GetProperty("status").GetString());
        Assert.Empty(buyers.Calls);

        var ok = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign, new { trustedform_cert_url = Cert, consent_text = ConsentText }));
        Assert.Equal("sold", (await ApiAssert.OkJsonAsync(ok)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Either_certificate_satisfies_a_campaign_that_accepts_either()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ScenarioAsync(buyers, new ConsentConfig { Certificate = ConsentCertificates.Either });
        using var client = factory.Publisher(s.ApiKey);

        var jornaya = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign, new { jornaya_leadid = LeadId })));
        var none = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign));

        Assert.Equal("sold", jornaya.GetProperty("status").GetString());
        var problem = await ApiAssert.ProblemAsync(none, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("consent_missing", problem.GetProperty("reasonCode").GetString());
        Assert.Equal([ConsentRules.EitherMissing], ApiAssert.Errors(problem, "consent"));
    }

    [Fact]
    public async Task Consent_settings_round_trip_through_the_workspace_file_and_are_validated()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ScenarioAsync(buyers, new ConsentConfig { Certificate = ConsentCertificates.Jornaya, RequireText = true });

        var exported = (await ExportAsync()).Campaigns.Single(c => c.Key == s.Campaign);
        Assert.Equal(new ConsentConfig { Certificate = ConsentCertificates.Jornaya, RequireText = true }, exported.Consent);

        using var admin = factory.Admin();
        var bad = new WorkspaceDocument
        {
            Campaigns =
            [
                TestWorkspace.Campaign(TestWorkspace.Unique("camp")) with { Consent = new ConsentConfig { Certificate = ConsentCertificates.TrustedForm, RequireText = true } },
                TestWorkspace.Campaign(TestWorkspace.Unique("camp")) with { Consent = new ConsentConfig { Certificate = "notarized" } },
            ],
        };
        var response = await admin.PutAsJsonAsync("/api/v1/admin/workspace", bad, WorkspaceJson.Options);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("$.campaigns[0].consent", body);
        Assert.Contains("type 'trustedform'", body);
        Assert.Contains("type 'consent_text'", body);
        Assert.Contains("$.campaigns[1].consent", body);
    }

    [Theory]
    [InlineData(FieldTypes.TrustedForm, " HTTPS://CERT.TRUSTEDFORM.COM/0123456789ABCDEF0123456789ABCDEF01234567 ", "https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567")]
    [InlineData(FieldTypes.Jornaya, "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "1A2B3C4D-5E6F-7A8B-9C0D-1E2F3A4B5C6D")]
    public void Certificates_are_kept_in_one_canonical_form(string type, string input, string expected)
    {
        var result = LeadValidator.Validate([new FieldDefinition { Name = "c", Type = type }],
            JsonSerializer.SerializeToElement(new { c = input }));

        Assert.True(result.IsValid, string.Join("; ", result.Errors.SelectMany(e => e.Value)));
        Assert.Equal(expected, (string?)result.Fields["c"]);
    }

    [Fact]
    public void Consent_text_may_be_longer_than_a_form_field_but_not_unbounded()
    {
        FieldDefinition[] fields = [new() { Name = "t", Type = FieldTypes.ConsentText }];

        Assert.True(LeadValidator.Validate(fields, JsonSerializer.SerializeToElement(new { t = new string('a', 3000) })).IsValid);
        Assert.False(LeadValidator.Validate(fields, JsonSerializer.SerializeToElement(new { t = new string('a', LeadValidator.MaxConsentTextLength + 1) })).IsValid);
    }
}
