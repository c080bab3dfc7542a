using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Returns;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Api;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Returns;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Integration;

// README "Shared leads" through the real host and real loopback buyers: one lead sold to three
// buyers, its trace, payout, KPIs, and one buyer returning its own sale.
public sealed class SharedLeadsOverHttpTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>, IAsyncLifetime
{
    private LoopbackBuyers _buyers = null!;

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync() => await _buyers.DisposeAsync();

    private static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O", CultureInfo.InvariantCulture));

    private BuyerConfig Buyer(string campaign, string name, decimal bid, BuyerAnswer post, string? saleType = SaleTypes.Shared)
    {
        _buyers.Set(name, new BuyerBehaviour { Ping = BuyerAnswer.Bid(bid), Post = post });
        var contract = TestWorkspace.PingPost(name + "-c", campaign, _buyers.PingUrl(name), _buyers.PostUrl(name), timeoutMs: 1500) with
        {
            SaleType = saleType, SharedPrice = saleType is null ? null : bid,
        };
        return TestWorkspace.Buyer(name, contract) with { ApiKey = "buyer-key-" + name };
    }

    [Fact]
    public async Task A_lead_sold_to_three_buyers_shows_every_sale_pays_once_and_one_buyer_returns_its_own_sale()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("solar"), auctionTimeoutMs: 3000) with { MaxSharedBuyers = 3 };
        var (s1, s2, s3, s4, solo) = (TestWorkspace.Unique("sh1"), TestWorkspace.Unique("sh2"), TestWorkspace.Unique("sh3"),
            TestWorkspace.Unique("sh4"), TestWorkspace.Unique("solo"));
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers =
            [
                Buyer(campaign.Key, s1, 10m, BuyerAnswer.Accept()),
                Buyer(campaign.Key, s2, 9m, BuyerAnswer.Reject("already has this consumer")),
                Buyer(campaign.Key, s3, 8m, BuyerAnswer.Accept()),
                Buyer(campaign.Key, s4, 7m, BuyerAnswer.Accept()),
                Buyer(campaign.Key, solo, 20m, BuyerAnswer.Accept(), saleType: null),
            ],
        });
        using var publisher = host.Publisher(apiKey);

        var response = await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign.Key));
        var answer = await ApiAssert.OkJsonAsync(response);

        // Shared 10 + 9 + 8 = 27 beats exclusive 20; sh2 rejects and sh4 takes its place: 10 + 8 + 7 = 25.
        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Equal(17.50m, answer.GetProperty("payout").GetDecimal());   // 70 % of 25, paid once for the lead
        var leadId = answer.GetProperty("leadId").GetGuid();
        Assert.Empty(_buyers.CallsTo(solo, "post"));
        Assert.Single(_buyers.CallsTo(s2, "post"));

        using var admin = host.Admin();
        var lead = await ApiAssert.OkJsonAsync(await admin.GetAsync($"/api/v1/admin/leads/{leadId}"));
        Assert.Equal(25m, lead.GetProperty("price").GetDecimal());
        var sales = lead.GetProperty("sales").EnumerateArray()
            .Select(x => (x.GetProperty("buyer").GetString(), x.GetProperty("price").GetDecimal(), x.GetProperty("payout").GetDecimal())).ToList();
        Assert.Equal([(s1, 10m, 7.00m), (s3, 8m, 5.60m), (s4, 7m, 4.90m)], sales);
        var posts = lead.GetProperty("trace").EnumerateArray().Where(t => t.GetProperty("kind").GetString() == "post").ToList();
        Assert.Equal(["accepted", "rejected", "accepted", "accepted"], posts.Select(p => p.GetProperty("outcome").GetString()));
        Assert.All(posts, p => Assert.StartsWith("shared sale", p.GetProperty("reason").GetString()));
        Assert.Contains(lead.GetProperty("trace").EnumerateArray(),
            t => t.GetProperty("reason").GetString()?.StartsWith("selling shared: 3 shared offer(s) earn 27.00, more than the best exclusive 20.00") == true);

        // The lead search finds it by any of its buyers.
        var found = await ApiAssert.OkJsonAsync(await admin.GetAsync($"/api/v1/admin/leads?buyer={s3}"));
        Assert.Contains(found.GetProperty("items").EnumerateArray(), i => i.GetProperty("leadId").GetGuid() == leadId);

        // KPIs: the lead counts once; each buyer counts its own sale and money.
        var now = DateTimeOffset.UtcNow;
        var query = $"campaign={campaign.Key}&bucket=hour&from={Iso(now.AddHours(-2))}&to={Iso(now.AddMinutes(2))}";
        var kpis = await ApiAssert.OkJsonAsync(await admin.GetAsync("/api/v1/admin/kpis?" + query));
        var totals = kpis.GetProperty("totals");
        Assert.Equal((1L, 3L, 25m, 17.50m), (totals.GetProperty("sold").GetInt64(), totals.GetProperty("sales").GetInt64(),
            totals.GetProperty("grossRevenue").GetDecimal(), totals.GetProperty("payout").GetDecimal()));
        var byBuyer = kpis.GetProperty("byBuyer").EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("figures"));
        Assert.Equal((1L, 8m), (byBuyer[s3].GetProperty("sales").GetInt64(), byBuyer[s3].GetProperty("grossRevenue").GetDecimal()));
        Assert.Equal(0L, byBuyer[s2].GetProperty("sales").GetInt64());

        // sh4 returns its own sale: the credit is its 7.00 and its 4.90 payout share, nothing of the others.
        using var buyer4 = host.CreateClient();
        buyer4.DefaultRequestHeaders.Add("X-Api-Key", "buyer-key-" + s4);
        var ret = await ApiAssert.OkJsonAsync(await buyer4.PostAsJsonAsync("/api/v1/returns", new { leadId, reason = "wrong number" }));
        var returnId = ret.GetProperty("returnId").GetGuid();
        var row = await host.Services.GetRequiredService<ReturnService>().FindAsync(returnId);
        Assert.Equal((s4, 7m, 4.90m), (row!.BuyerKey, row.Credit, row.PayoutReversed));
        await host.Services.GetRequiredService<ReturnService>().DecideAsync(returnId, approve: true, null, "manager@leadhub.test");

        // A buyer that did not buy it (sh2 rejected it) cannot return it.
        using var buyer2 = host.CreateClient();
        buyer2.DefaultRequestHeaders.Add("X-Api-Key", "buyer-key-" + s2);
        await ApiAssert.ProblemAsync(await buyer2.PostAsJsonAsync("/api/v1/returns", new { leadId, reason = "x" }), HttpStatusCode.Forbidden);

        // The lead stays sold to the other two; the figures credit back only sh4's sale.
        Assert.Equal(LeadStatus.Sold, (await ReturnsDb.LeadAsync(host, leadId)).Status);
        var after = await ApiAssert.OkJsonAsync(await admin.GetAsync($"/api/v1/admin/leads/{leadId}"));
        Assert.Equal([false, false, true], after.GetProperty("sales").EnumerateArray().Select(x => x.GetProperty("returned").GetBoolean()));
        var totalsAfter = (await ApiAssert.OkJsonAsync(await admin.GetAsync("/api/v1/admin/kpis?" + query))).GetProperty("totals");
        Assert.Equal((18m, 12.60m, 1L), (totalsAfter.GetProperty("revenue").GetDecimal(), totalsAfter.GetProperty("payout").GetDecimal(),
            totalsAfter.GetProperty("returns").GetInt64()));

        // The shared-sales export has a row per sale, the returned one with its date.
        var csv = await (await admin.GetAsync("/api/v1/admin/shared-sales.csv")).Content.ReadAsStringAsync();
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("lead_id,buyer,contract,price,payout,sold_at,returned_at", lines[0]);
        var mine = lines.Where(l => l.StartsWith(leadId.ToString())).ToList();
        Assert.Equal(3, mine.Count);
        Assert.Contains(mine, l => l.Contains($",{s4},{s4}-c,7.00,4.90,") && !l.EndsWith(','));
    }
}
