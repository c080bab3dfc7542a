using Bunit;
using LeadHub.Core.Suppression;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Campaigns;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using SuppressionPage = LeadHub.Web.Components.Pages.Suppression.Suppression;

namespace LeadHub.Tests.Portal;

// The Suppression page: everyone sees the lists and their sizes; a manager creates lists, uploads
// a file (preview, then apply) and checks a number. The campaign editor's consent settings.
public sealed class SuppressionPageTests(LeadHubFactory host) : PortalTestContext(host)
{
    private SuppressionService Service => Host.Services.GetRequiredService<SuppressionService>();

    private async Task<string> ListAsync(string name)
    {
        var key = TestWorkspace.Unique("dnc");
        Assert.Empty(await Service.SaveListAsync(key, new SuppressionListInput(name, "dnc", SuppressionScopes.Global, null), "seed"));
        return key;
    }

    [Fact]
    public async Task A_viewer_sees_the_lists_and_their_sizes_but_cannot_upload_or_check()
    {
        var key = await ListAsync("Viewer DNC");
        await Service.AddEntryAsync(key, "+1 212 201 0001", "viewer.sees@example.com", "seed");
        var s = await LeadHub.Tests.Api.ApiScenario.CreateAsync(Host);
        using (var publisher = Host.Publisher(s.ApiKey))
        {
            var answer = await LeadHub.Tests.Api.ApiAssert.OkJsonAsync(await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(publisher,
                "/api/v1/leads", TestWorkspace.Lead(s.Campaign, new { email = "viewer.sees@example.com" })));
            Assert.Equal("suppressed", answer.GetProperty("reasonCode").GetString());
        }
        SignInAs(Roles.Viewer);

        var cut = RenderPage<SuppressionPage>();

        cut.WaitForAssertion(() => Assert.Equal("2", cut.Find($"#entries-{key}").TextContent.Trim()), PortalKit.Wait);
        Assert.Contains("Viewer DNC", cut.Find("#suppression-lists").TextContent);
        var recent = cut.Find("#suppressed-recently b").TextContent.Trim();
        Assert.True(int.Parse(recent, System.Globalization.NumberStyles.AllowThousands) >= 1, $"suppressed in the last 7 days: {recent}");
        Assert.Empty(cut.FindAll("#upload"));
        Assert.Empty(cut.FindAll("#check-entry"));
        Assert.Empty(cut.FindAll("#new-list"));
        Assert.Empty(cut.FindAll($"#delete-{key}"));
    }

    [Fact]
    public async Task A_manager_previews_an_upload_with_its_invalid_lines_then_applies_it()
    {
        var key = await ListAsync("Upload DNC " + Guid.NewGuid().ToString("N")[..4]);
        var cut = RenderPage<SuppressionPage>();
        cut.WaitForElement("#upload-list", PortalKit.Wait);
        cut.Choose("upload-list", (await Service.GetAsync(key))!.Name);

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(
            "phone,email\n+1 212 202 0001,\n12,\n,upload.page@example.com\n(212) 202-0001,\n", "dnc.csv"));

        cut.WaitForAssertion(() => Assert.Contains("4 rows read: 3 valid, 1 invalid, 1 duplicates; 2 entries", cut.Find("#upload-summary").TextContent), PortalKit.Wait);
        Assert.Contains("not a valid phone number", cut.Find("#upload-invalid").TextContent);
        Assert.Equal("3", cut.Find("#upload-invalid tbody td").TextContent.Trim());
        Assert.Equal("0", cut.Find($"#entries-{key}").TextContent.Trim());

        cut.Find("#upload-apply").Click();

        cut.WaitForAssertion(() => Assert.Contains("2 added", cut.Find("#upload-applied").TextContent), PortalKit.Wait);
        Assert.Equal("2", cut.Find($"#entries-{key}").TextContent.Trim());
        Assert.NotEmpty(Host.Services.GetRequiredService<SuppressionLists>().Lookup("2122020001", null));
        Assert.Contains(await Host.AuditAsync(key), a => a.Action == "upload suppression list (add)" && a.Actor == PortalKit.Manager);
    }

    [Fact]
    public async Task A_bad_file_says_why_and_changes_nothing()
    {
        var key = await ListAsync("Bad file DNC");
        var cut = RenderPage<SuppressionPage>();
        cut.WaitForElement("#upload-list", PortalKit.Wait);

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("name;zip\nAna;94107\n", "people.csv"));

        cut.WaitForAssertion(() => Assert.Contains("'phone'", cut.Find("#upload-error").TextContent), PortalKit.Wait);
        Assert.Contains("Nothing was changed", cut.Find("#upload-error").TextContent);
        Assert.Equal(0, (await Service.GetAsync(key))!.Entries);
    }

    [Fact]
    public async Task A_manager_checks_a_number_adds_it_and_the_check_finds_it()
    {
        var name = "Check DNC " + Guid.NewGuid().ToString("N")[..4];
        var key = await ListAsync(name);
        var cut = RenderPage<SuppressionPage>();
        cut.WaitForElement("#check-phone", PortalKit.Wait);
        cut.Find("#check-phone").Change("(212) 203-0007");
        cut.Find("#check-run").Click();
        cut.WaitForAssertion(() => Assert.Equal("Not on any list.", cut.Find("#check-result").TextContent.Trim()));

        cut.Choose("entry-list", name);
        cut.Find("#entry-add").Click();
        cut.WaitForAssertion(() => Assert.Contains("1 entry added", cut.Find("#check-result").TextContent), PortalKit.Wait);
        cut.Find("#check-run").Click();

        cut.WaitForAssertion(() => Assert.Contains("Suppressed by " + name, cut.Find("#check-result").TextContent));
        Assert.Equal("1", cut.Find($"#entries-{key}").TextContent.Trim());
    }

    [Fact]
    public async Task The_campaign_editor_saves_a_consent_requirement_and_shows_why_one_cannot_be_met()
    {
        var key = TestWorkspace.Unique("camp-consent");
        var campaign = TestWorkspace.Campaign(key) with
        {
            Fields = [.. TestWorkspace.Campaign(key).Fields, new FieldDefinition { Name = "jornaya_leadid", Type = FieldTypes.Jornaya, Pii = true }],
        };
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [campaign] }, "seed"));
        var cut = RenderPage<CampaignEditor>(("Key", key));
        cut.WaitForElement("#campaign-consent-certificate", PortalKit.Wait);

        cut.Choose("campaign-consent-certificate", "TrustedForm");
        cut.Find("#campaign-save").Click();
        cut.WaitForAssertion(() => Assert.Contains("type 'trustedform'", cut.ErrorOf("campaign-consent-certificate")), PortalKit.Wait);
        Assert.Null((await Host.ExportAsync()).Campaigns.Single(c => c.Key == key).Consent);

        cut.Choose("campaign-consent-certificate", "Either");
        cut.Find("#campaign-save").Click();

        cut.WaitForAssertion(() => Assert.Equal(ConsentCertificates.Either,
            Host.Services.GetRequiredService<RoutingSnapshotHolder>().Current.Campaigns[key].Config.Consent?.Certificate), PortalKit.Wait);
    }
}
