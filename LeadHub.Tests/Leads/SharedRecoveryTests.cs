using LeadHub.Core.Leads;
using LeadHub.Core.Reviews;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Leads;

// A crash in the middle of a shared sale: one buyer had accepted (its acceptance is stored at once)
// and the answer to the next post was lost. Recovery sells the lead to the buyer that accepted, posts
// to no one else, does not bill the lost post, and raises it for a manager.
public sealed class SharedRecoveryTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>
{
    [Fact]
    public async Task A_shared_lead_with_one_sale_and_a_lost_post_is_settled_with_its_sale_and_posted_to_no_one_else()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("shared-crash")) with { MaxSharedBuyers = 3 };
        var (a, b, c) = (TestWorkspace.Unique("sa"), TestWorkspace.Unique("sb"), TestWorkspace.Unique("sc"));
        var publisherKey = TestWorkspace.Unique("pub");
        BuyerConfig Shared(string name)
        {
            buyers.Set(name, new BuyerBehaviour { Ping = BuyerAnswer.Bid(9), Post = BuyerAnswer.Accept() });
            return TestWorkspace.Buyer(name, TestWorkspace.PingPost(name + "-c", campaign.Key, buyers.PingUrl(name), buyers.PostUrl(name))
                with { SaleType = SaleTypes.Shared, SharedPrice = 9m });
        }
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(publisherKey, "key-" + Guid.NewGuid().ToString("N"), campaign.Key)],
            Buyers = [Shared(a), Shared(b), Shared(c)],
        });

        // What a node that died mid-auction leaves: the lead routing under its (dead) owner, a shared
        // sale to `a` with its acceptance, and an intent to `b` without an outcome.
        var leadId = Guid.CreateVersion7();
        var now = DateTimeOffset.UtcNow;
        await using (var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync())
        {
            db.Leads.Add(new LeadRow
            {
                Id = leadId, CampaignKey = campaign.Key, PublisherKey = publisherKey, Status = LeadStatus.Routing, ReceivedAt = now,
                FieldsJson = """{"first_name":"Ana","email":"a@example.com","phone":"+14155550100","zip":"94107","state":"CA","tcpa_consent":true}""",
                Owner = "dead-node",
            });
            db.PostIntents.Add(new PostIntentRow { LeadId = leadId, Seq = 3, BuyerKey = a, ContractKey = a + "-c", Price = 9m, At = now, Outcome = "accepted" });
            db.PostIntents.Add(new PostIntentRow { LeadId = leadId, Seq = 4, BuyerKey = b, ContractKey = b + "-c", Price = 9m, At = now });
            await db.SaveChangesAsync();
        }

        await host.Services.GetRequiredService<LeadRecovery>().RecoverAsync(CancellationToken.None);

        await using var check = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var lead = await check.Leads.SingleAsync(l => l.Id == leadId);
        Assert.Equal((LeadStatus.Sold, a, 9m), (lead.Status, lead.BuyerKey, lead.Price));
        Assert.Equal(6.30m, lead.Payout);   // 70 % of the one sale; the lost post is not billed
        Assert.Empty(buyers.Calls);         // nobody was pinged or posted to again
        var steps = await LeadTraces.OfAsync(check, leadId);
        Assert.Equal([("accepted", a), ("unknown", b)], steps.Where(s => s.Kind == "post").Select(s => (s.Outcome, s.Buyer!)));
        Assert.Contains(steps, s => s.Reason!.Contains($"the answer to the post to {b} was lost: not billed"));
        Assert.True(await check.Alerts.AnyAsync(x => x.Kind == AlertKinds.PostOutcomeUnknown && x.Message.Contains(leadId.ToString())));
    }
}
