using LeadHub.Core.Lab;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Lab;

// What the A/B table counts, on stored leads of every kind: which leads count, revenue net of
// returns, posts and rejections from the trace.
public sealed class SplitQueriesTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>
{
    [Fact]
    public async Task Each_arm_counts_its_finished_real_leads_with_revenue_net_of_returns_and_posts_from_the_trace()
    {
        var campaign = TestWorkspace.Unique("q");
        var split = new SplitConfig { Id = TestWorkspace.Unique("exp"), ShareB = 0.5m };
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var now = DateTimeOffset.UtcNow;
        Guid Lead(string arm, string status, decimal? price = null, decimal payout = 0m, bool test = false, string? splitId = null)
        {
            var id = Guid.CreateVersion7();
            db.Leads.Add(new LeadRow
            {
                Id = id, CampaignKey = campaign, PublisherKey = "p", Status = status, Test = test, ReceivedAt = now, FieldsJson = "{}",
                Price = price, Payout = payout, SplitId = splitId ?? split.Id, SplitArm = arm,
            });
            return id;
        }
        void Post(Guid lead, int seq, string outcome) => db.TraceSteps.Add(new TraceStepRow
        {
            LeadId = lead, Seq = seq, Kind = TraceKinds.Post, Outcome = outcome, Buyer = "b", Contract = "c", At = now,
        });

        // A: sold 20 (posted: rejected, then accepted), unsold (posted: timeout), returned 15 (payout reversed).
        var a1 = Lead(SplitArms.A, LeadStatus.Sold, 20m, 14m);
        Post(a1, 0, TraceOutcomes.Rejected);
        Post(a1, 1, TraceOutcomes.Accepted);
        var a2 = Lead(SplitArms.A, LeadStatus.Unsold);
        Post(a2, 0, TraceOutcomes.Timeout);
        Post(a2, 1, TraceOutcomes.Skipped);   // never sent: not a post
        Lead(SplitArms.A, LeadStatus.Returned, 15m, 10.5m);
        // Not counted: a test lead, an invalid and a still-routing lead, another split's lead.
        Lead(SplitArms.A, LeadStatus.Sold, 99m, 50m, test: true);
        Lead(SplitArms.A, LeadStatus.Invalid);
        Lead(SplitArms.A, LeadStatus.Routing);
        Lead(SplitArms.A, LeadStatus.Sold, 99m, 50m, splitId: "an-older-split");
        // B: a shared lead sold 10 + 8 to two buyers, the 8 returned (its 5.60 payout reversed); sold 12.
        var b1 = Lead(SplitArms.B, LeadStatus.Sold, 18m, 12.6m);
        db.LeadSales.Add(new LeadSaleRow { LeadId = b1, BuyerKey = "x", ContractKey = "x-c", Price = 10m, Payout = 7m, SoldAt = now });
        db.LeadSales.Add(new LeadSaleRow { LeadId = b1, BuyerKey = "y", ContractKey = "y-c", Price = 8m, Payout = 5.6m, SoldAt = now, ReturnedAt = now });
        Post(b1, 0, TraceOutcomes.Accepted);
        Post(b1, 1, TraceOutcomes.Accepted);
        var b2 = Lead(SplitArms.B, LeadStatus.Sold, 12m, 8.4m);
        Post(b2, 0, TraceOutcomes.Accepted);
        await db.SaveChangesAsync();

        var c = await host.Services.GetRequiredService<SplitQueries>().CompareAsync(campaign, split);

        Assert.Equal((3L, 2L, 20m, 14m, 3L, 2L), (c.A.Leads, c.A.Sold, c.A.Revenue, c.A.Payout, c.A.Posts, c.A.RejectedPosts));
        Assert.Equal((2L, 2L, 22m, 15.4m, 3L, 0L), (c.B.Leads, c.B.Sold, c.B.Revenue, c.B.Payout, c.B.Posts, c.B.RejectedPosts));
        Assert.Equal(6m, c.A.Margin);
        // Per-lead revenue for the t-test: A 20, 0, 0; B 10, 12.
        Assert.Equal(new Sample(3, 20m, 400m), c.A.RevenuePerLead);
        Assert.Equal(new Sample(2, 22m, 244m), c.B.RevenuePerLead);
        Assert.Equal(Significance.CompareMeans(c.A.RevenuePerLead, c.B.RevenuePerLead), c.Rpl);
        Assert.Equal(Significance.CompareRates(2, 3, 0, 3) with { LowerIsBetter = true }, c.RejectRate);
        Assert.Equal(2.0 / 3, c.A.SellThrough.Value, 9);
    }
}
