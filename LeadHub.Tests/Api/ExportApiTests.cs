using System.Net;
using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;

namespace LeadHub.Tests.Api;

// The admin API's CSV exports: the same filters as a lead search, UTC times, 400 before any row.
public class ExportApiTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    private async Task<string[]> CsvAsync(string path)
    {
        using var admin = factory.Admin();
        using var response = await admin.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition?.ToString());
        return (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task Leads_csv_has_the_rows_of_the_filter_oldest_first_with_utc_times()
    {
        var campaign = TestWorkspace.Unique("csv");
        var t0 = new DateTimeOffset(2026, 11, 30, 23, 15, 0, TimeSpan.Zero);
        var first = await StoredLeads.AddAsync(factory, campaign, t0, LeadStatus.Sold, externalId: "ext-1", subId: "fb", price: 12.5m);
        var second = await StoredLeads.AddAsync(factory, campaign, t0.AddHours(1), LeadStatus.Unsold, externalId: "ext-2");
        await StoredLeads.AddAsync(factory, campaign, t0.AddHours(2), LeadStatus.Invalid, externalId: "ext-3");
        await StoredLeads.AddAsync(factory, TestWorkspace.Unique("other"), t0, LeadStatus.Sold);

        var lines = await CsvAsync($"/api/v1/admin/leads.csv?campaign={campaign}&status=sold,unsold&sort=received&dir=asc");

        Assert.Equal(3, lines.Length);
        Assert.StartsWith("lead_id,received_at,status,test,campaign,publisher,sub_id,external_id,buyer,contract,price,payout,state,zip", lines[0]);
        Assert.EndsWith("email,phone", lines[0]); // the admin API sees what GET /leads/{id} shows
        Assert.StartsWith($"{first},2026-11-30T23:15:00Z,sold,false,{campaign},pub-stored,fb,ext-1,stored-buyer,,12.50,7.00", lines[1]);
        Assert.Contains(",94107,", lines[1]);
        Assert.StartsWith($"{second},2026-12-01T00:15:00Z,unsold,", lines[2]);
    }

    [Fact]
    public async Task Leads_csv_finds_by_external_id_sub_id_zip_and_lead_id()
    {
        var campaign = TestWorkspace.Unique("csvfind");
        var now = DateTimeOffset.UtcNow;
        var wanted = await StoredLeads.AddAsync(factory, campaign, now, externalId: "x-1", subId: "s-1", zip: "10001", state: "NY");
        await StoredLeads.AddAsync(factory, campaign, now, externalId: "x-2", subId: "s-2", zip: "94107");

        foreach (var filter in new[] { "externalId=x-1", "subId=s-1", "zip=100", "state=ny", $"leadId={wanted}" })
        {
            var lines = await CsvAsync($"/api/v1/admin/leads.csv?campaign={campaign}&{filter}");
            Assert.Equal(2, lines.Length);
            Assert.StartsWith(wanted.ToString(), lines[1]);
        }
    }

    [Fact]
    public async Task A_value_a_spreadsheet_would_run_is_written_as_text()
    {
        var campaign = TestWorkspace.Unique("csvformula");
        await StoredLeads.AddAsync(factory, campaign, DateTimeOffset.UtcNow, externalId: "=HYPERLINK(\"http://x\")");

        var lines = await CsvAsync($"/api/v1/admin/leads.csv?campaign={campaign}");

        Assert.Contains("\"'=HYPERLINK(\"\"http://x\"\")\"", lines[1]);
    }

    [Theory]
    [InlineData("/api/v1/admin/leads.csv?status=bogus", "status")]
    [InlineData("/api/v1/admin/leads.csv?zip=abc", "zip")]
    [InlineData("/api/v1/admin/leads.csv?state=California", "state")]
    [InlineData("/api/v1/admin/leads.csv?leadId=42", "leadId")]
    [InlineData("/api/v1/admin/leads.csv?from=yesterday", "from")]
    [InlineData("/api/v1/admin/leads.csv?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to")]
    [InlineData("/api/v1/admin/leads.csv?range=someday", "range")]
    [InlineData("/api/v1/admin/leads.csv?sort=colour", "sort")]
    [InlineData("/api/v1/admin/leads.csv?sort=3", "sort")]
    [InlineData("/api/v1/admin/leads.csv?dir=up", "dir")]
    [InlineData("/api/v1/admin/returns.csv?from=0001-01-01T00:00:00Z", "from")]
    [InlineData("/api/v1/admin/audit.csv?range=custom:2026-12-02T00:00~2026-12-01T00:00", "range")]
    [InlineData("/api/v1/admin/kpis-by-buyer.csv?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from")]
    public async Task Bad_filters_get_a_problem_400_naming_the_parameter(string path, string parameter)
    {
        using var admin = factory.Admin();
        using var response = await admin.GetAsync(path);

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotEmpty(ApiAssert.Errors(problem, parameter));
    }

    [Fact]
    public async Task Exports_need_the_admin_token()
    {
        using var anonymous = factory.CreateClient();
        using var response = await anonymous.GetAsync("/api/v1/admin/leads.csv");
        await ApiAssert.ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("buyers", "key,name,active,time_zone")]
    [InlineData("campaigns", "key,name,active,floor")]
    [InlineData("publishers", "key,name,active,campaigns")]
    [InlineData("returns", "return_id,lead_id,buyer")]
    [InlineData("alerts", "alert_id,created_at")]
    [InlineData("audit", "audit_id,at,actor")]
    [InlineData("kpis-by-campaign", "key,sub_id,leads")]
    [InlineData("kpis-by-publisher", "key,sub_id,leads")]
    [InlineData("kpis-by-buyer", "key,sub_id,leads")]
    [InlineData("tokens", "token_id,name")]
    [InlineData("users", "email,role")]
    public async Task Every_portal_table_has_an_api_export(string table, string header)
    {
        var lines = await CsvAsync($"/api/v1/admin/{table}.csv");
        Assert.StartsWith(header, lines[0]);
    }
}
