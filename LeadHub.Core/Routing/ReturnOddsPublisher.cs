using LeadHub.Core.Cluster;
using LeadHub.Core.Returns;
using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeadHub.Core.Routing;

// Feeds expected-value ranking its return rates: on every node, at start and every 5 minutes,
// one aggregate query counts per contract the sales of the last 30 days and how many of them a
// buyer returned, and hands the counts to ContractOdds. The hot path only reads what was handed over.
// A return counts while pending or once approved (a denied one does not): waiting for reviews
// would keep a buyer's returns out of its odds for as long as its returns wait for a manager.
public sealed class ReturnOddsPublisher(
    IDbContextFactory<LeadHubDbContext> dbFactory,
    ContractOdds odds,
    TimeProvider time,
    ILogger<ReturnOddsPublisher> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan Window = TimeSpan.FromDays(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RefreshAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Counting returns per contract failed; trying again in {Interval}", Interval);
        }
        await Periodic.RunAsync(Interval, time, RefreshAsync, log, "Counting returns per contract", stoppingToken);
    }

    // Sales per contract over the window and how many of them have a pending or approved return.
    public async Task<IReadOnlyDictionary<string, (int Sold, int Returned)>> RefreshAsync(CancellationToken ct = default)
    {
        var since = time.GetUtcNow() - Window;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // An exclusive sale is the lead row; a shared lead has a sale row per buyer (LeadSaleRow).
        // A return names the lead and the buyer, so it finds its sale either way. Test leads are never sold for money.
        var exclusive = db.Leads
            .Where(l => !l.Test && l.ReceivedAt >= since && (l.Status == LeadStatus.Sold || l.Status == LeadStatus.Returned)
                        && l.ContractKey != null && !db.LeadSales.Any(s => s.LeadId == l.Id))
            .Select(l => new
            {
                Contract = l.ContractKey!,
                Returned = db.Returns.Any(r => r.LeadId == l.Id && r.BuyerKey == l.BuyerKey && r.Status != ReturnStatus.Denied),
            });
        var shared = db.LeadSales
            .Where(s => s.SoldAt >= since && db.Leads.Any(l => l.Id == s.LeadId && !l.Test))
            .Select(s => new
            {
                Contract = s.ContractKey,
                Returned = db.Returns.Any(r => r.LeadId == s.LeadId && r.BuyerKey == s.BuyerKey && r.Status != ReturnStatus.Denied),
            });
        var counts = await exclusive.Concat(shared)
            .GroupBy(x => x.Contract)
            .Select(g => new { Contract = g.Key, Sold = g.Count(), Returned = g.Count(x => x.Returned) })
            .AsNoTracking()
            .ToDictionaryAsync(x => x.Contract, x => (x.Sold, x.Returned), StringComparer.Ordinal, ct);
        odds.PublishReturns(counts);
        return counts;
    }
}
