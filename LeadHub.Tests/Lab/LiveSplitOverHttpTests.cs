using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Lab;
using LeadHub.Core.Leads;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Api;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Lab;

// README "Live split" through the real host and real loopback buyers: half the traffic routed by a
// plan B that leaves out the best-bidding buyer, every lead's arm, buyer and trace, the A/B figures,
// a lead keeping its arm when recovered or pinged first, and promote / stop through the admin API.
public sealed class LiveSplitOverHttpTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>, IAsyncLifetime
{
    private LoopbackBuyers _buyers = null!;

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync() => await _buyers.DisposeAsync();

    private sealed record Setup(CampaignConfig Campaign, string Best, string Other, string ApiKey);

    // Two buyers in tier 0: `best` bids 20, `other` 10, both accept. Plan B leaves out `best`.
    private async Task<Setup> SetUpAsync(decimal shareB = 0.5m)
    {
        var (best, other) = (TestWorkspace.Unique("best"), TestWorkspace.Unique("other"));
        _buyers.Set(best, new BuyerBehaviour { Ping = BuyerAnswer.Bid(20), Post = BuyerAnswer.Accept() });
        _buyers.Set(other, new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() });
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("split"), auctionTimeoutMs: 5000) with
        {
            Split = new SplitConfig { Id = TestWorkspace.Unique("exp"), ShareB = shareB, PlanB = new RoutingPlan { RemoveBuyers = [best] } },
        };
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        ContractConfig Contract(string buyer) =>
            TestWorkspace.PingPost(buyer + "-c", campaign.Key, _buyers.PingUrl(buyer), _buyers.PostUrl(buyer), timeoutMs: 3000);
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers = [TestWorkspace.Buyer(best, Contract(best)), TestWorkspace.Buyer(other, Contract(other))],
        });
        return new Setup(campaign, best, other, apiKey);
    }

    private async Task<T> DbAsync<T>(Func<LeadHubDbContext, Task<T>> read)
    {
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        return await read(db);
    }

    [Fact]
    public async Task Half_the_leads_go_through_plan_B_which_sells_to_the_other_buyer_and_the_dashboard_counts_each_arm()
    {
        var s = await SetUpAsync();
        var split = s.Campaign.Split!;
        using var publisher = host.Publisher(s.ApiKey);
        const int leads = 200;
        var answers = new List<(Guid Id, string Status)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, leads), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
        {
            var answer = await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign.Key), ct));
            lock (answers) answers.Add((answer.GetProperty("leadId").GetGuid(), answer.GetProperty("status").GetString()!));
        });
        Assert.All(answers, a => Assert.Equal("sold", a.Status));

        var rows = await DbAsync(db => db.Leads.AsNoTracking().Where(l => l.CampaignKey == s.Campaign.Key).ToListAsync());
        Assert.Equal(leads, rows.Count);
        Assert.All(rows, l => Assert.Equal(split.Id, l.SplitId));
        // Every lead's stored arm is the one its id hashes to, and that arm decided the buyer.
        Assert.All(rows, l => Assert.Equal(SplitArms.Of(l.Id, split.Id, split.ShareB), l.SplitArm));
        var b = rows.Where(l => l.SplitArm == SplitArms.B).ToList();
        var a = rows.Where(l => l.SplitArm == SplitArms.A).ToList();
        // 200 leads at 50 %: 100 ± 4.5 standard deviations (7.07) each.
        Assert.InRange(b.Count, 68, 132);
        Assert.All(b, l => Assert.Equal(s.Other, l.BuyerKey));
        Assert.All(a, l => Assert.Equal(s.Best, l.BuyerKey));
        Assert.All(b, l => Assert.Equal(10m, l.Price));
        Assert.All(a, l => Assert.Equal(20m, l.Price));

        // Every lead's trace says which plan routed it.
        var notes = await DbAsync(db => db.TraceSteps.AsNoTracking()
            .Where(t => t.Kind == TraceKinds.Note && t.Reason!.StartsWith("routed by plan"))
            .Join(db.Leads.Where(l => l.CampaignKey == s.Campaign.Key), t => t.LeadId, l => l.Id, (t, l) => new { l.Id, l.SplitArm, t.Reason })
            .ToListAsync());
        Assert.Equal(leads, notes.Count);
        Assert.All(notes, n => Assert.Equal($"routed by plan {n.SplitArm} of split {split.Id}", n.Reason));
        // ... and so does the lead's page in the admin API.
        using var admin = host.Admin();
        var oneB = await ApiAssert.OkJsonAsync(await admin.GetAsync($"/api/v1/admin/leads/{b[0].Id}"));
        Assert.Contains(oneB.GetProperty("trace").EnumerateArray(), t => t.GetProperty("reason").GetString() == $"routed by plan B of split {split.Id}");

        // The comparison equals what these leads add up to.
        var report = await ApiAssert.OkJsonAsync(await admin.GetAsync($"/api/v1/admin/campaigns/{s.Campaign.Key}/split"));
        void Arm(JsonElement arm, List<LeadRow> expected, decimal price)
        {
            Assert.Equal(expected.Count, arm.GetProperty("leads").GetInt64());
            Assert.Equal(expected.Count, arm.GetProperty("sold").GetInt64());
            Assert.Equal(price * expected.Count, arm.GetProperty("revenue").GetDecimal());
            Assert.Equal(expected.Sum(l => l.Payout), arm.GetProperty("payout").GetDecimal());
            Assert.Equal(price * expected.Count - expected.Sum(l => l.Payout), arm.GetProperty("margin").GetDecimal());
            Assert.Equal((double)price, arm.GetProperty("rpl").GetProperty("value").GetDouble(), 6);
            Assert.Equal(1.0, arm.GetProperty("sellThrough").GetProperty("value").GetDouble(), 6);
            Assert.Equal(expected.Count, arm.GetProperty("posts").GetInt64());
            Assert.Equal(0, arm.GetProperty("rejectedPosts").GetInt64());
        }
        Arm(report.GetProperty("a"), a, 20m);
        Arm(report.GetProperty("b"), b, 10m);
        Assert.Equal(-10.0, report.GetProperty("rpl").GetProperty("difference").GetDouble(), 6);
        // Under 200 leads per arm there is no verdict, however clear the difference looks.
        Assert.False(report.GetProperty("rpl").GetProperty("enoughData").GetBoolean());
        var more = Significance.MinLeadsPerArm - Math.Min(a.Count, b.Count);
        Assert.Equal($"not enough data yet: {more} more leads per arm needed", report.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task A_lead_recovered_after_a_crash_is_routed_again_by_the_same_arm()
    {
        var s = await SetUpAsync();
        var split = s.Campaign.Split!;
        // One lead of each arm left routing by a node that died.
        Guid LeadOf(string arm)
        {
            while (true)
            {
                var id = Guid.CreateVersion7();
                if (SplitArms.Of(id, split.Id, split.ShareB) == arm) return id;
            }
        }
        var (leadA, leadB) = (LeadOf(SplitArms.A), LeadOf(SplitArms.B));
        var publisher = host.Services.GetRequiredService<RoutingSnapshotHolder>().Current.Publishers.Values
            .First(p => p.MayPostTo(s.Campaign.Key)).Key;
        var fields = JsonSerializer.SerializeToElement(TestWorkspace.Lead(s.Campaign.Key)).GetProperty("fields").GetRawText();
        await DbAsync(async db =>
        {
            foreach (var (id, arm) in new[] { (leadA, SplitArms.A), (leadB, SplitArms.B) })
            {
                db.Leads.Add(new LeadRow
                {
                    Id = id, CampaignKey = s.Campaign.Key, PublisherKey = publisher, Status = LeadStatus.Routing, FieldsJson = fields,
                    ReceivedAt = DateTimeOffset.UtcNow, Owner = "dead-node-" + Guid.NewGuid().ToString("N"), SplitId = split.Id, SplitArm = arm,
                });
            }
            return await db.SaveChangesAsync();
        });

        await host.Services.GetRequiredService<LeadRecovery>().RecoverAsync(CancellationToken.None);

        var rows = await DbAsync(db => db.Leads.AsNoTracking().Where(l => l.Id == leadA || l.Id == leadB).ToDictionaryAsync(l => l.Id));
        Assert.Equal((LeadStatus.Sold, s.Best), (rows[leadA].Status, rows[leadA].BuyerKey));
        Assert.Equal((LeadStatus.Sold, s.Other), (rows[leadB].Status, rows[leadB].BuyerKey));
        using var admin = host.Admin();
        var b = await ApiAssert.OkJsonAsync(await admin.GetAsync($"/api/v1/admin/leads/{leadB}"));
        var reasons = b.GetProperty("trace").EnumerateArray().Select(t => t.GetProperty("reason").GetString()).ToList();
        Assert.Contains("recovered after restart; routed again", reasons);
        Assert.Contains($"routed by plan B of split {split.Id}", reasons);
    }

    [Fact]
    public async Task A_publishers_ping_and_its_post_are_routed_by_the_same_arm()
    {
        var s = await SetUpAsync();
        var split = s.Campaign.Split!;
        using var publisher = host.Publisher(s.ApiKey);
        var seen = new HashSet<string>();
        // Until both arms were seen: the ping's id decides, so the offer already tells the arm.
        for (var i = 0; i < 40 && seen.Count < 2; i++)
        {
            var ping = await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync("/api/v1/pings", new
            {
                campaign = s.Campaign.Key, fields = new { zip = "94107", state = "CA", age = 34, homeowner = true, tcpa_consent = true },
            }));
            var pingId = ping.GetProperty("pingId").GetGuid();
            var arm = SplitArms.Of(pingId, split.Id, split.ShareB);
            seen.Add(arm);
            Assert.Equal(arm == SplitArms.B ? 7.00m : 14.00m, ping.GetProperty("offer").GetDecimal());

            var post = await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync($"/api/v1/pings/{pingId}/post", TestWorkspace.Lead(s.Campaign.Key)));
            var leadId = post.GetProperty("leadId").GetGuid();
            var row = await DbAsync(db => db.Leads.AsNoTracking().FirstAsync(l => l.Id == leadId));
            Assert.Equal((arm, arm == SplitArms.B ? s.Other : s.Best), (row.SplitArm, row.BuyerKey));
        }
        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public async Task Promote_makes_plan_B_the_campaign_pauses_the_buyer_it_left_out_and_is_audited()
    {
        var s = await SetUpAsync();
        var campaign = s.Campaign with
        {
            Split = s.Campaign.Split! with { PlanB = new RoutingPlan { RemoveBuyers = [s.Best], Floor = 2m, MoveContracts = new() { [s.Other + "-c"] = 1 } } },
        };
        await host.ImportAsync(new WorkspaceDocument { Campaigns = [campaign] });
        using var admin = host.Admin();

        var promoted = await ApiAssert.OkJsonAsync(await admin.PostAsync($"/api/v1/admin/campaigns/{campaign.Key}/split/promote", null));

        Assert.Equal(2m, promoted.GetProperty("floor").GetDecimal());
        var doc = await host.Workspace().ExportAsync();
        var after = doc.Campaigns.Single(c => c.Key == campaign.Key);
        Assert.Null(after.Split);
        Assert.Equal(2m, after.Floor);
        var best = doc.Buyers.Single(b => b.Key == s.Best).Contracts.Single();
        Assert.False(best.Active);
        Assert.Equal("admin-api", best.Paused!.By);
        Assert.Contains(campaign.Split.Id, best.Paused.Reason);
        Assert.True(doc.Buyers.Single(b => b.Key == s.Best).Active); // the buyer itself may serve other campaigns
        Assert.Equal(1, doc.Buyers.Single(b => b.Key == s.Other).Contracts.Single().Tier);
        var audit = await DbAsync(db => db.Audit.AsNoTracking()
            .Where(r => r.EntityKey == campaign.Key || r.EntityKey == s.Best + "-c" || r.EntityKey == s.Other + "-c").Where(r => r.Actor == "admin-api").ToListAsync());
        Assert.Contains(audit, r => r.EntityKey == campaign.Key && r.Before?.Contains("\"split\"") == true && r.After?.Contains("\"split\"") == false);
        Assert.Contains(audit, r => r.EntityKey == s.Best + "-c" && r.Action == "update" && r.After!.Contains(campaign.Split.Id));
        Assert.Contains(audit, r => r.EntityKey == s.Other + "-c" && r.Action == "update");

        // Every new lead now goes to the other buyer, with no split note.
        using var publisher = host.Publisher(s.ApiKey);
        var lead = await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign.Key)));
        var row = await DbAsync(db => db.Leads.AsNoTracking().FirstAsync(l => l.Id == lead.GetProperty("leadId").GetGuid()));
        Assert.Equal((s.Other, (string?)null, (string?)null), (row.BuyerKey, row.SplitId, row.SplitArm));
    }

    [Fact]
    public async Task Stop_ends_the_split_plan_A_routes_everything_and_it_is_audited()
    {
        var s = await SetUpAsync(shareB: 0.99m);
        using var admin = host.Admin();

        var stopped = await admin.DeleteAsync($"/api/v1/admin/campaigns/{s.Campaign.Key}/split");

        Assert.Equal(HttpStatusCode.NoContent, stopped.StatusCode);
        var doc = await host.Workspace().ExportAsync();
        Assert.Null(doc.Campaigns.Single(c => c.Key == s.Campaign.Key).Split);
        Assert.True(doc.Buyers.Single(b => b.Key == s.Best).Contracts.Single().Active);
        Assert.True(await DbAsync(db => db.Audit.AnyAsync(r => r.EntityKey == s.Campaign.Key && r.Actor == "admin-api" && r.Before != null && r.Before.Contains(s.Campaign.Split!.Id))));
        using var publisher = host.Publisher(s.ApiKey);
        var lead = await ApiAssert.OkJsonAsync(await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign.Key)));
        var row = await DbAsync(db => db.Leads.AsNoTracking().FirstAsync(l => l.Id == lead.GetProperty("leadId").GetGuid()));
        Assert.Equal((s.Best, (string?)null), (row.BuyerKey, row.SplitArm));
    }

    [Fact]
    public async Task Starting_a_split_through_the_API_routes_its_share_and_a_new_id_is_a_new_experiment()
    {
        var s = await SetUpAsync();
        await host.ImportAsync(new WorkspaceDocument { Campaigns = [s.Campaign with { Split = null }] });
        using var admin = host.Admin();

        var started = await ApiAssert.OkJsonAsync(await admin.PutAsJsonAsync($"/api/v1/admin/campaigns/{s.Campaign.Key}/split",
            new { shareB = 0.25m, planB = new { removeBuyers = new[] { s.Best } } }));

        var id = started.GetProperty("id").GetString()!;
        Assert.StartsWith(s.Campaign.Key + "-", id);
        Assert.Equal(0.25m, started.GetProperty("shareB").GetDecimal());
        var split = (await host.Workspace().ExportAsync()).Campaigns.Single(c => c.Key == s.Campaign.Key).Split!;
        Assert.Equal((id, 0.25m), (split.Id, split.ShareB));
        Assert.Equal([s.Best], split.PlanB.RemoveBuyers!);
        Assert.NotNull(split.StartedAt);
        var report = await ApiAssert.OkJsonAsync(await admin.GetAsync($"/api/v1/admin/campaigns/{s.Campaign.Key}/split"));
        Assert.Equal(0, report.GetProperty("a").GetProperty("leads").GetInt64());
        Assert.Equal("not enough data yet: 200 more leads per arm needed", report.GetProperty("summary").GetString());
        Assert.True(await DbAsync(db => db.Audit.AnyAsync(r => r.EntityKey == s.Campaign.Key && r.Actor == "admin-api" && r.After != null && r.After.Contains(id))));
    }

    public static TheoryData<string, string> BadSplits => new()
    {
        { """{ "shareB": 0 }""", "$.split.shareB" },
        { """{ "shareB": 1 }""", "$.split.shareB" },
        { """{ "shareB": -0.2 }""", "$.split.shareB" },
        { """{ "shareB": 1.5 }""", "$.split.shareB" },
        { """{ "id": "has spaces", "shareB": 0.1 }""", "$.split.id" },
        { """{ "id": "-x", "shareB": 0.1 }""", "$.split.id" },
        { """{ "planB": {} }""", "$.shareB" },
        { """{ "shareB": "ten" }""", "$.shareB" },
        { """{ "shareB": 0.1, "planB": { "maxPostAttempts": "many" } }""", "$.planB.maxPostAttempts" },
        { """not json""", "" },
        { """[1, 2]""", "" },
    };

    [Theory]
    [MemberData(nameof(BadSplits))]
    public async Task A_bad_split_request_is_refused_with_a_problem_and_changes_nothing(string body, string path)
    {
        var s = await SetUpAsync();
        using var admin = host.Admin();
        var before = (await host.Workspace().ExportAsync()).Campaigns.Single(c => c.Key == s.Campaign.Key);

        var response = await admin.PutAsync($"/api/v1/admin/campaigns/{s.Campaign.Key}/split",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (path.Length > 0) Assert.True(problem.GetProperty("errors").TryGetProperty(path, out _), problem.ToString());
        var after = (await host.Workspace().ExportAsync()).Campaigns.Single(c => c.Key == s.Campaign.Key);
        Assert.Equal(before.Split, after.Split);
    }

    [Fact]
    public async Task Unknown_campaigns_and_missing_splits_are_404_and_409_and_change_nothing()
    {
        var s = await SetUpAsync();
        await host.ImportAsync(new WorkspaceDocument { Campaigns = [s.Campaign with { Split = null }] });
        using var admin = host.Admin();
        var missing = TestWorkspace.Unique("nope");

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/admin/campaigns/{missing}/split")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync($"/api/v1/admin/campaigns/{missing}/split", new { shareB = 0.1 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync($"/api/v1/admin/campaigns/{missing}/split/promote", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/v1/admin/campaigns/{missing}/split")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/admin/campaigns/{s.Campaign.Key}/split")).StatusCode);
        var promote = await admin.PostAsync($"/api/v1/admin/campaigns/{s.Campaign.Key}/split/promote", null);
        Assert.Equal(HttpStatusCode.Conflict, promote.StatusCode);
        Assert.Equal("application/problem+json", promote.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.DeleteAsync($"/api/v1/admin/campaigns/{s.Campaign.Key}/split")).StatusCode);
        Assert.DoesNotContain((await host.Workspace().ExportAsync()).Campaigns, c => c.Key == missing);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient().GetAsync($"/api/v1/admin/campaigns/{s.Campaign.Key}/split")).StatusCode);
    }
}
