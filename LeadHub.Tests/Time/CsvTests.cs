using System.Text;
using LeadHub.Web.Api;

namespace LeadHub.Tests.Time;

public class CsvTests
{
    private sealed record Row(string? Name, decimal Amount, DateTimeOffset At, bool Active);

    private static readonly CsvColumn<Row>[] Columns =
    [
        new("name", r => r.Name), new("amount", r => r.Amount), new("at", r => r.At), new("active", r => r.Active),
    ];

    private static async Task<string[]> LinesAsync(TimeZoneInfo zone, params Row[] rows)
    {
        using var body = new MemoryStream();
        await Csv.WriteAsync(body, Columns, Csv.Rows(rows), zone, CancellationToken.None);
        return Encoding.UTF8.GetString(body.ToArray()).Split("\r\n");
    }

    private static readonly DateTimeOffset Noon = new(2026, 12, 1, 17, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Export_has_a_header_and_one_line_per_row_with_times_in_the_readers_zone()
    {
        var lines = await LinesAsync(TimeZoneInfo.FindSystemTimeZoneById("America/New_York"), new Row("Acme", 12.50m, Noon, true));
        Assert.Equal(["name,amount,at,active", "Acme,12.50,2026-12-01T12:00:00-05:00,true", ""], lines);
    }

    [Fact]
    public async Task Api_export_writes_utc_times_with_z()
    {
        var lines = await LinesAsync(TimeZoneInfo.Utc, new Row("Acme", 1m, Noon, false));
        Assert.Equal("Acme,1.00,2026-12-01T17:00:00Z,false", lines[1]);
    }

    [Fact]
    public async Task Commas_quotes_and_line_breaks_are_quoted()
    {
        var lines = await LinesAsync(TimeZoneInfo.Utc, new Row("Acme, \"West\"", 1m, Noon, true));
        Assert.StartsWith("\"Acme, \"\"West\"\"\",", lines[1]);
    }

    // A spreadsheet would run these as formulas; a leading apostrophe shows them as text.
    [Theory]
    [InlineData("=HYPERLINK(\"http://evil\")")]
    [InlineData("+1+1")]
    [InlineData("-2+3")]
    [InlineData("@SUM(A1)")]
    public async Task Text_that_would_run_as_a_formula_is_escaped(string text)
    {
        var lines = await LinesAsync(TimeZoneInfo.Utc, new Row(text, 1m, Noon, true));
        var name = lines[1][..lines[1].LastIndexOf(",1.00,", StringComparison.Ordinal)].Trim('"').Replace("\"\"", "\"");
        Assert.Equal("'" + text, name);
    }

    [Fact]
    public async Task Money_has_two_decimals_at_least_whichever_database_it_came_from()
    {
        Assert.Equal(",12.50,2026-12-01T17:00:00Z,true", (await LinesAsync(TimeZoneInfo.Utc, new Row(null, 12.5m, Noon, true)))[1]);
        Assert.Equal(",12.505,2026-12-01T17:00:00Z,true", (await LinesAsync(TimeZoneInfo.Utc, new Row(null, 12.505m, Noon, true)))[1]);
    }

    [Fact]
    public async Task Negative_money_stays_a_number_in_invariant_culture()
    {
        var lines = await LinesAsync(TimeZoneInfo.Utc, new Row(null, -1234.5m, Noon, true));
        Assert.Equal(",-1234.50,2026-12-01T17:00:00Z,true", lines[1]);
    }
}
