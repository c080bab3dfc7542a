using LeadHub.Core.Returns;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Returns;

// Expected-value ranking's return rates: counted per contract from the stored sales and returns
// of the last 30 days (a pending or approved return counts, a denied one does not) and handed to
// the odds every node ranks with.
public sealed class ReturnOddsPublisherTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>
{
    private LeadRow Sold(string contract, string buyer, DateTimeOffset at, bool test = false) => new()
    {
        Id = Guid.NewGuid(), CampaignKey = "odds-camp", PublisherKey = "odds-pub", Status = LeadStatus.Sold, Test = test,
        ReceivedAt = at, FinishedAt = at, Price = 10m, BuyerKey = buyer, ContractKey = contract,
    };

    private static ReturnRow Return(LeadRow lead, string buyer, string status) => new()
    {
        Id = Guid.NewGuid(), LeadId = lead.Id, BuyerKey = buyer, CampaignKey = lead.CampaignKey, PublisherKey = lead.PublisherKey,
        Reason = "bad phone", Status = status, RequestedAt = lead.ReceivedAt.AddHours(1), RequestedBy = buyer, Credit = 10m,
    };

    [Fact]
    public async Task Sales_and_pending_or_approved_returns_of_the_last_30_days_set_each_contracts_odds_of_keeping_a_lead()
    {
        var c = TestWorkspace.Unique("odds");
        var now = DateTimeOffset.UtcNow;
        var leads = Enumerable.Range(0, 10).Select(i => Sold(c + "-often", c + "-often-buyer", now.AddDays(-i))).ToList();
        leads[0].Status = LeadStatus.Returned;
        var returns = new List<ReturnRow>
        {
            Return(leads[0], c + "-often-buyer", ReturnStatus.Approved),
            Return(leads[1], c + "-often-buyer", ReturnStatus.Pending),
            Return(leads[2], c + "-often-buyer", ReturnStatus.Pending),
            Return(leads[3], c + "-often-buyer", ReturnStatus.Denied),      // refused: the buyer kept the lead
        };
        var old = Sold(c + "-often", c + "-often-buyer", now.AddDays(-31));  // before the window
        var test = Sold(c + "-often", c + "-often-buyer", now, test: true);  // never sold for money
        returns.Add(Return(old, c + "-often-buyer", ReturnStatus.Approved));
        // A shared lead: two sales, one returned; the lead row names the first sale.
        var shared = Sold(c + "-share-a", c + "-a", now.AddHours(-1));
        var sales = new[]
        {
            new LeadSaleRow { LeadId = shared.Id, BuyerKey = c + "-a", ContractKey = c + "-share-a", Price = 5m, SoldAt = shared.ReceivedAt },
            new LeadSaleRow { LeadId = shared.Id, BuyerKey = c + "-b", ContractKey = c + "-share-b", Price = 4m, SoldAt = shared.ReceivedAt },
        };
        returns.Add(Return(shared, c + "-b", ReturnStatus.Pending));
        await using (var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync())
        {
            db.Leads.AddRange([.. leads, old, test, shared]);
            db.LeadSales.AddRange(sales);
            db.Returns.AddRange(returns);
            await db.SaveChangesAsync();
        }

        var counts = await host.Services.GetRequiredService<ReturnOddsPublisher>().RefreshAsync();

        Assert.Equal((10, 3), counts[c + "-often"]);
        Assert.Equal((1, 0), counts[c + "-share-a"]);
        Assert.Equal((1, 1), counts[c + "-share-b"]);
        var odds = host.Services.GetRequiredService<IContractOdds>();
        // 1 − (3 + 20 × 5 %) / (10 + 20) = 0.867: lower than a contract with no returns, 1 − 1 / 21 = 0.952.
        Assert.Equal(0.867, odds.Of(c + "-often").Kept, precision: 3);
        Assert.Equal(0.952, odds.Of(c + "-share-a").Kept, precision: 3);
        Assert.True(odds.Of(c + "-often").Factor < odds.Of(c + "-share-a").Factor);
    }

    [Fact]
    public void Every_node_counts_at_start_and_every_five_minutes_over_thirty_days()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), ReturnOddsPublisher.Interval);
        Assert.Equal(TimeSpan.FromDays(30), ReturnOddsPublisher.Window);
        Assert.Contains(host.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>(), s => s is ReturnOddsPublisher);
    }
}
