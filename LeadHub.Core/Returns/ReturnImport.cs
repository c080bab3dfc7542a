using System.Globalization;
using CsvHelper;
using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Returns;

// What became of one line of a buyer's return file.
public static class ReturnImportResults
{
    public const string Matched = "matched", Returned = "returned", UnknownLead = "unknown lead", OutsideWindow = "outside window",
        AlreadyDecided = "already decided", AlreadyPending = "already pending", NotThisBuyers = "not this buyer's lead",
        NotSold = "not sold", Invalid = "invalid row", Repeated = "repeated in the file";
}

public sealed record ReturnImportRow(int Line, string Lead, Guid? LeadId, string Reason, string Result, string? Detail);

public sealed record ReturnImportReport(string Buyer, IReadOnlyList<ReturnImportRow> Rows, bool Applied)
{
    // Matched rows are the ones an apply returns.
    public int Matched => Rows.Count(r => r.Result is ReturnImportResults.Matched or ReturnImportResults.Returned);
    public int Skipped => Rows.Count - Matched;
}

// A file that cannot be read as a return file at all: nothing is previewed or changed.
public sealed class ReturnFileException(string message) : Exception(message);

// A buyer's return file (CSV) entered by a manager: one row per lead, by LeadHub's lead id or the
// publisher's external id, with a reason. The preview says what each row would do; apply enters
// the matched rows as pending returns (decided as any other return), the rest are skipped. The
// rules are ReturnService's, so a row is matched exactly when the buyer could return that lead.
public sealed class ReturnImport(IDbContextFactory<LeadHubDbContext> dbFactory, ReturnService returns, TimeProvider time)
{
    public const int MaxBytes = 1024 * 1024, MaxRows = 5000;

    // Header names as buyers write them: "lead_id", "Lead ID", "leadId" are one column.
    private static readonly string[] LeadIdNames = ["leadid", "id"], ExternalIdNames = ["externalid", "extid"], ReasonNames = ["reason", "returnreason"];

    public Task<ReturnImportReport> PreviewAsync(string buyer, string csv, CancellationToken ct = default) => RunAsync(buyer, csv, null, ct);

    public Task<ReturnImportReport> ApplyAsync(string buyer, string csv, string actor, CancellationToken ct = default) => RunAsync(buyer, csv, actor, ct);

    private async Task<ReturnImportReport> RunAsync(string buyer, string csv, string? actor, CancellationToken ct)
    {
        var lines = Parse(csv);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Buyers.AsNoTracking().AnyAsync(b => b.Key == buyer, ct)) throw new ReturnFileException($"There is no buyer '{buyer}'.");
        var now = time.GetUtcNow();
        var seen = new HashSet<Guid>();
        var rows = new List<ReturnImportRow>();
        foreach (var line in lines)
        {
            var row = await CheckAsync(db, buyer, line, seen, now, ct);
            if (actor is not null && row.Result == ReturnImportResults.Matched)
            {
                // Checked again as it is entered: a return made since the preview is reported, not doubled.
                var (_, refusal) = await returns.RequestAsync(row.LeadId!.Value, buyer, row.Reason, actor, ct);
                row = refusal is null ? row with { Result = ReturnImportResults.Returned } : row with { Result = ReturnImportResults.AlreadyPending, Detail = refusal.Message };
            }
            rows.Add(row);
        }
        return new ReturnImportReport(buyer, rows, actor is not null);
    }

    private async Task<ReturnImportRow> CheckAsync(LeadHubDbContext db, string buyer, FileLine line, HashSet<Guid> seen, DateTimeOffset now,
        CancellationToken ct)
    {
        ReturnImportRow Row(string result, string? detail = null, Guid? leadId = null) => new(line.Number, line.Lead, leadId, line.Reason, result, detail);

        if (line.Lead.Length == 0) return Row(ReturnImportResults.Invalid, "no lead id or external id");
        if (line.Reason.Length == 0) return Row(ReturnImportResults.Invalid, "no reason");
        if (line.Reason.Length > ReturnService.MaxTextLength) return Row(ReturnImportResults.Invalid, $"reason over {ReturnService.MaxTextLength} characters");

        LeadRow? lead;
        if (line.ByExternalId)
        {
            // External ids are the publisher's: prefer the lead sold to this buyer, then any.
            var candidates = await db.Leads.AsNoTracking().Where(l => l.ExternalId == line.Lead).OrderByDescending(l => l.ReceivedAt).Take(20).ToListAsync(ct);
            lead = candidates.FirstOrDefault(l => l.BuyerKey == buyer) ?? candidates.FirstOrDefault();
        }
        else
        {
            if (!Guid.TryParse(line.Lead, out var id)) return Row(ReturnImportResults.Invalid, "not a lead id");
            lead = await db.Leads.AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, ct);
        }
        if (lead is null) return Row(ReturnImportResults.UnknownLead);
        if (!seen.Add(lead.Id)) return Row(ReturnImportResults.Repeated, null, lead.Id);
        // A shared lead: this buyer's own sale of it.
        if (lead.BuyerKey != buyer && !await db.LeadSales.AnyAsync(s => s.LeadId == lead.Id && s.BuyerKey == buyer, ct))
            return Row(ReturnImportResults.NotThisBuyers, null, lead.Id);

        // A denied return is decided too: the same file sent again does not reopen it.
        var denied = await db.Returns.AsNoTracking().Where(r => r.LeadId == lead.Id && r.BuyerKey == buyer && r.Status == ReturnStatus.Denied)
            .OrderByDescending(r => r.DecidedAt).FirstOrDefaultAsync(ct);
        return await returns.RefusalAsync(db, lead, buyer, now, ct) switch
        {
            null when denied is not null => Row(ReturnImportResults.AlreadyDecided, $"denied {denied.DecidedAt:yyyy-MM-dd}", lead.Id),
            null => Row(ReturnImportResults.Matched, null, lead.Id),
            ReturnRefusal.AlreadyReturned { Status: ReturnStatus.Pending } => Row(ReturnImportResults.AlreadyPending, null, lead.Id),
            ReturnRefusal.AlreadyReturned a => Row(ReturnImportResults.AlreadyDecided, a.Status, lead.Id),
            ReturnRefusal.OutsideWindow w => Row(ReturnImportResults.OutsideWindow, w.Message, lead.Id),
            var other => Row(ReturnImportResults.NotSold, other.Message, lead.Id),
        };
    }

    private sealed record FileLine(int Number, string Lead, bool ByExternalId, string Reason);

    // The whole file is read before anything is checked: a file that is not a return file changes nothing.
    private static List<FileLine> Parse(string csv)
    {
        if (string.IsNullOrWhiteSpace(csv)) throw new ReturnFileException("The file is empty.");
        // The separator (, ; tab |) is detected: spreadsheets in many locales write ';'.
        var options = new CsvReaderOptions { MalformedData = CsvMalformedDataHandling.Throw, TrimWhitespace = true, SkipEmptyLines = true };
        try
        {
            using var reader = CsvReader.FromText(csv, options);
            var names = reader.Headers.Select(Normalize).ToList();
            if (names.Count == 0) throw new ReturnFileException("The file has no header row.");
            int Find(string[] accepted) => names.FindIndex(accepted.Contains);
            var leadId = Find(LeadIdNames);
            var externalId = Find(ExternalIdNames);
            var reason = Find(ReasonNames);
            if ((leadId < 0 && externalId < 0) || reason < 0)
                throw new ReturnFileException("The header must name a 'lead_id' or 'external_id' column and a 'reason' column.");

            var lines = new List<FileLine>();
            while (reader.Read())
            {
                if (lines.Count == MaxRows) throw new ReturnFileException($"The file has more than {MaxRows} rows; split it.");
                string Field(int i) => i < 0 || i >= reader.FieldCount ? "" : reader.GetString(i).Trim();
                var byId = Field(leadId);
                var useExternal = byId.Length == 0 && externalId >= 0;
                // The line number as a spreadsheet shows it: the header is line 1.
                lines.Add(new FileLine((int)reader.RowNumber + 1, useExternal ? Field(externalId) : byId, useExternal, Field(reason)));
            }
            if (lines.Count == 0) throw new ReturnFileException("The file has a header but no rows.");
            return lines;
        }
        catch (CsvFormatException)
        {
            throw new ReturnFileException("The file is not valid CSV (check its quotes).");
        }
    }

    private static string Normalize(string name) => new(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
}
