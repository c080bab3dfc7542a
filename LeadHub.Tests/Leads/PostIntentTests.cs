using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Leads;

// Without a crash: every post leaves a durable intent at the post's place in the trace, and every
// intent ends with the post's outcome (a rejection on its own, the sale with the finish).
public sealed class PostIntentTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>
{
    [Fact]
    public async Task Each_post_has_an_intent_at_its_trace_step_with_that_posts_outcome()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("intents"));
        var picky = TestWorkspace.Unique("picky");
        var taker = TestWorkspace.Unique("taker");
        buyers.Set(picky, new BuyerBehaviour { Ping = BuyerAnswer.Bid(30), Post = BuyerAnswer.Reject("not today") });
        buyers.Set(taker, new BuyerBehaviour { Ping = BuyerAnswer.Bid(12), Post = BuyerAnswer.Accept() });
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers =
            [
                TestWorkspace.Buyer(picky, TestWorkspace.PingPost(picky + "-c", campaign.Key, buyers.PingUrl(picky), buyers.PostUrl(picky))),
                TestWorkspace.Buyer(taker, TestWorkspace.PingPost(taker + "-c", campaign.Key, buyers.PingUrl(taker), buyers.PostUrl(taker))),
            ],
        });
        using var publisher = host.Publisher(apiKey);
        var answer = await (await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign.Key))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sold", answer.GetProperty("status").GetString());
        var leadId = answer.GetProperty("leadId").GetGuid();

        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var posts = await db.TraceSteps.Where(s => s.LeadId == leadId && s.Kind == "post").OrderBy(s => s.Seq).ToListAsync();
        var intents = await db.PostIntents.Where(i => i.LeadId == leadId).OrderBy(i => i.Seq).ToListAsync();
        Assert.Equal(posts.Select(p => (p.Seq, p.Buyer, p.Price, (string?)p.Outcome)),
            intents.Select(i => (i.Seq, (string?)i.BuyerKey, (decimal?)i.Price, i.Outcome)));
        Assert.Equal([(picky, "rejected"), (taker, "accepted")], intents.Select(i => (i.BuyerKey, i.Outcome!)));
        // Each intent was durable before its post reached the buyer.
        foreach (var intent in intents)
            Assert.True(intent.At <= buyers.CallsTo(intent.BuyerKey, "post").Single().At);
    }
}
