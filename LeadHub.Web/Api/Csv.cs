using System.Globalization;
using CsvHelper;

namespace LeadHub.Web.Api;

// One column of an export: its header and how a row gives its value. Values are written by type
// (Csv.Cell), so a table declares what it shows, never how a time or an amount is spelled.
public sealed record CsvColumn<T>(string Header, Func<T, object?> Value);

// CSV as every export writes it (RFC 4180, CsvHelper): streamed row by row to the response,
// times ISO 8601 with the reader's offset (UTC, "Z", for the API), money and numbers in invariant
// culture, and text a spreadsheet would run as a formula (= + - @ …) escaped with a leading '
// by CsvHelper's injection guard, which leaves numbers alone so a negative margin stays a number.
public static class Csv
{
    public const string ContentType = "text/csv; charset=utf-8";

    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with
    {
        Injection = CsvInjection.Escape,
        FormatProvider = CultureInfo.InvariantCulture,
        TrueValue = "true",
        FalseValue = "false",
        // Small enough that the first rows leave soon; the writer flushes when it is mostly full.
        BufferSize = 16 * 1024,
    };

    public static async Task WriteAsync<T>(Stream body, IReadOnlyList<CsvColumn<T>> columns, IAsyncEnumerable<T> rows, TimeZoneInfo zone,
        CancellationToken ct)
    {
        await using var csv = CsvWriter.Create(body, Options, leaveOpen: true);
        foreach (var column in columns) csv.WriteField(column.Header);
        await csv.EndRecordAsync(ct);
        await foreach (var row in rows.WithCancellation(ct))
        {
            foreach (var column in columns) Write(csv, column.Value(row), zone);
            await csv.EndRecordAsync(ct);
        }
        await csv.FlushAsync(ct);
    }

    // Numbers go through the numeric overloads: the injection guard is for text, so -5.00 stays a number.
    private static void Write(CsvWriter csv, object? value, TimeZoneInfo zone)
    {
        switch (value)
        {
            case null: csv.WriteField((string?)null); break;
            case string s: csv.WriteField(s); break;
            case DateTimeOffset t: csv.WriteField(Time(t, zone)); break;
            // Money reads the same from either database (PostgreSQL keeps the column's scale: 12.50, SQLite 12.5).
            case decimal d: csv.WriteField(d, "0.00##"); break;
            case double r: csv.WriteField(r, "0.####"); break;
            case int i: csv.WriteField(i, ""); break;
            case long l: csv.WriteField(l, ""); break;
            case bool b: csv.WriteField(b); break;
            case Guid g: csv.WriteField(g, "D"); break;
            default: csv.WriteField(value); break;
        }
    }

    public static string Time(DateTimeOffset instant, TimeZoneInfo zone) =>
        zone == TimeZoneInfo.Utc || zone.Id == "UTC"
            ? instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : TimeZoneInfo.ConvertTime(instant, zone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    public static async IAsyncEnumerable<T> Rows<T>(IEnumerable<T> rows)
    {
        foreach (var row in rows) yield return row;
        await Task.CompletedTask;
    }
}
