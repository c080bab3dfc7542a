using System.Runtime.CompilerServices;
using LeadHub.Core.Returns;
using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Exports;

// The rows CSV exports stream (leads stream from LeadQueries): read as they are written, never
// held whole, so an export of a year of returns or audit costs the server no more memory than a page.
// Times are UTC instants, `from` inclusive and `to` exclusive; null is unbounded.
public sealed class ExportQueries(IDbContextFactory<LeadHubDbContext> dbFactory)
{
    public async IAsyncEnumerable<ReturnRow> ReturnsAsync(DateTimeOffset? from, DateTimeOffset? to, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = db.Returns.AsNoTracking();
        if (from is { } f) rows = rows.Where(r => r.RequestedAt >= f);
        if (to is { } t) rows = rows.Where(r => r.RequestedAt < t);
        await foreach (var row in rows.OrderByDescending(r => r.RequestedAt).ThenBy(r => r.Id).AsAsyncEnumerable().WithCancellation(ct))
            yield return row;
    }

    // Every sale of a shared lead (README "Shared leads"): an exclusive sale is the lead row of the leads export.
    public async IAsyncEnumerable<LeadSaleRow> SharedSalesAsync(DateTimeOffset? from, DateTimeOffset? to, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = db.LeadSales.AsNoTracking();
        if (from is { } f) rows = rows.Where(s => s.SoldAt >= f);
        if (to is { } t) rows = rows.Where(s => s.SoldAt < t);
        await foreach (var row in rows.OrderByDescending(s => s.SoldAt).ThenBy(s => s.LeadId).ThenBy(s => s.BuyerKey).AsAsyncEnumerable().WithCancellation(ct))
            yield return row;
    }

    public async IAsyncEnumerable<AuditRow> AuditAsync(DateTimeOffset? from, DateTimeOffset? to, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = db.Audit.AsNoTracking();
        if (from is { } f) rows = rows.Where(a => a.At >= f);
        if (to is { } t) rows = rows.Where(a => a.At < t);
        await foreach (var row in rows.OrderByDescending(a => a.Id).AsAsyncEnumerable().WithCancellation(ct))
            yield return row;
    }

    public async IAsyncEnumerable<AlertRow> AlertsAsync(DateTimeOffset? from, DateTimeOffset? to, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = db.Alerts.AsNoTracking();
        if (from is { } f) rows = rows.Where(a => a.CreatedAt >= f);
        if (to is { } t) rows = rows.Where(a => a.CreatedAt < t);
        await foreach (var row in rows.OrderByDescending(a => a.Id).AsAsyncEnumerable().WithCancellation(ct))
            yield return row;
    }

    public async IAsyncEnumerable<ApiTokenRow> TokensAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await foreach (var row in db.ApiTokens.AsNoTracking().OrderBy(t => t.Name).AsAsyncEnumerable().WithCancellation(ct))
            yield return row;
    }
}
