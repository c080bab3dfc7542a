using System.Net;
using System.Text;
using System.Text.Json;
using LeadHub.Core.Returns;
using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using LeadHub.Tests.Returns;

namespace LeadHub.Tests.Api;

// POST /api/v1/admin/returns/import: a buyer's return file, previewed row by row, then applied.
public sealed class ReturnImportApiTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>
{
    private static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");

    private static Dictionary<int, string> ResultsByLine(JsonElement report) =>
        report.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("line").GetInt32(), r => r.GetProperty("result").GetString()!);

    [Fact]
    public async Task A_preview_says_per_row_what_would_happen_and_changes_nothing_then_apply_enters_the_matched_rows()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var other = await ReturnsScenario.CreateAsync(host, buyers);
        var good = await s.SoldLeadAsync(host);
        var pending = await s.SoldLeadAsync(host);
        var notTheirs = await other.SoldLeadAsync(host);
        using (var buyer = s.BuyerClient(host))
            await ApiAssert.OkJsonAsync(await buyer.PostAsync("/api/v1/returns", new StringContent($$"""{"leadId":"{{pending}}","reason":"dup"}""", Encoding.UTF8, "application/json")));
        var file = $"""
            lead_id,reason
            {good},phone disconnected
            {Guid.NewGuid()},who is this
            not-a-guid,bad id
            {pending},again
            {notTheirs},not ours
            {good},twice
            """;
        using var admin = host.Admin();

        var preview = await ApiAssert.OkJsonAsync(await admin.PostAsync($"/api/v1/admin/returns/import?buyer={s.Buyer}", Csv(file)));

        var results = ResultsByLine(preview);
        Assert.Equal(ReturnImportResults.Matched, results[2]);
        Assert.Equal(ReturnImportResults.UnknownLead, results[3]);
        Assert.Equal(ReturnImportResults.Invalid, results[4]);
        Assert.Equal(ReturnImportResults.AlreadyPending, results[5]);
        Assert.Equal(ReturnImportResults.NotThisBuyers, results[6]);
        Assert.Equal(ReturnImportResults.Repeated, results[7]);
        Assert.False(preview.GetProperty("applied").GetBoolean());
        Assert.Empty(await ReturnsDb.ReturnsOfAsync(host, good));

        var applied = await ApiAssert.OkJsonAsync(await admin.PostAsync($"/api/v1/admin/returns/import?buyer={s.Buyer}&apply=true", Csv(file)));

        Assert.Equal(ReturnImportResults.Returned, ResultsByLine(applied)[2]);
        var entered = Assert.Single(await ReturnsDb.ReturnsOfAsync(host, good));
        Assert.Equal(ReturnStatus.Pending, entered.Status);
        Assert.Equal("phone disconnected", entered.Reason);
        Assert.Empty(await ReturnsDb.ReturnsOfAsync(host, notTheirs));
        Assert.Single(await ReturnsDb.ReturnsOfAsync(host, pending));
    }

    [Fact]
    public async Task A_row_outside_the_return_window_is_skipped_and_a_semicolon_file_with_spreadsheet_headers_is_read()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var closed = await ReturnsScenario.CreateAsync(host, buyers, returnWindowDays: 0);
        var late = await closed.SoldLeadAsync(host);
        using var admin = host.Admin();

        var preview = await ApiAssert.OkJsonAsync(await admin.PostAsync($"/api/v1/admin/returns/import?buyer={closed.Buyer}",
            Csv($"Lead ID;Reason\n{late};late\n")));

        Assert.Equal(ReturnImportResults.OutsideWindow, ResultsByLine(preview)[2]);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("lead_id,comment\nabc,x\n", "'reason' column")]
    [InlineData("lead_id,reason\n", "no rows")]
    public async Task A_file_that_is_not_a_return_file_gets_400_problem_details_and_changes_nothing(string file, string expected)
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        using var admin = host.Admin();

        var problem = await ApiAssert.ProblemAsync(await admin.PostAsync($"/api/v1/admin/returns/import?buyer={s.Buyer}&apply=true", Csv(file)),
            HttpStatusCode.BadRequest);

        Assert.Contains(expected, problem.GetProperty("detail").GetString());
        Assert.Equal(0, await ReturnsDb.QueryAsync(host, db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(
            db.Returns, r => r.BuyerKey == s.Buyer)));
    }

    [Fact]
    public async Task A_file_over_the_size_limit_gets_413()
    {
        using var admin = host.Admin();
        var big = "lead_id,reason\n" + string.Concat(Enumerable.Repeat($"{Guid.NewGuid()},{new string('r', 200)}\n", 5000));

        await ApiAssert.ProblemAsync(await admin.PostAsync("/api/v1/admin/returns/import?buyer=any", Csv(big)), HttpStatusCode.RequestEntityTooLarge);
    }
}
