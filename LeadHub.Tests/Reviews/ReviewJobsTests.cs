using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core;
using LeadHub.Core.Leads;
using LeadHub.Core.Maintenance;
using LeadHub.Core.Returns;
using LeadHub.Core.Reviews;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using LeadHub.Tests.Returns;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LeadHub.Tests.Reviews;

// The recurring jobs' rules, on real traffic through the host, with the jobs' clock faked so a
// window or a retention period can pass in a test.
public sealed class ReviewJobsTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>, IAsyncLifetime
{
    private LoopbackBuyers _buyers = null!;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync() => await _buyers.DisposeAsync();

    private IDbContextFactory<LeadHubDbContext> Db => host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>();

    private AlertService Alerts(string? webhook = null) => new(Db, host.Services.GetRequiredService<IHttpClientFactory>(),
        Options.Create(new LeadHubOptions { Alerts = new AlertOptions { WebhookUrl = webhook } }), _time, NullLogger<AlertService>.Instance);

    private TrafficReviews ReviewsWith(ReviewOptions rules, string? webhook = null) => new(Db, host.Services.GetRequiredService<LeadHub.Core.Kpis.KpiQueries>(), Alerts(webhook), host.Workspace(),
        host.Services.GetRequiredService<RoutingSnapshotHolder>(), Options.Create(new LeadHubOptions { Reviews = rules }), _time);

    private async Task<(string Campaign, HttpClient Publisher)> MarketAsync(params (string Buyer, BuyerBehaviour Behaviour, Func<BuyerConfig, BuyerConfig>? Change)[] buyers)
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("rev"), auctionTimeoutMs: 10_000) with
        {
            Tiers = [new TierConfig { Tier = 0, Floor = 5 }],
        };
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        foreach (var b in buyers) _buyers.Set(b.Buyer, b.Behaviour);
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers = [.. buyers.Select(b =>
            {
                var config = TestWorkspace.Buyer(b.Buyer, TestWorkspace.PingPost(b.Buyer + "-c", campaign.Key, _buyers.PingUrl(b.Buyer), _buyers.PostUrl(b.Buyer), timeoutMs: 10_000));
                return b.Change is null ? config : b.Change(config);
            })],
        });
        return (campaign.Key, host.Publisher(apiKey));
    }

    private static async Task PostLeadsAsync(HttpClient publisher, string campaign, int count)
    {
        for (var i = 0; i < count; i++)
            (await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign))).EnsureSuccessStatusCode();
    }

    private async Task<List<AlertRow>> AlertsAboutAsync(string subject)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.Alerts.AsNoTracking().Where(a => a.Subject == subject).ToListAsync();
    }

    [Fact]
    public async Task Buyer_rejecting_above_30_percent_is_alerted_and_paused_when_it_asked_for_that()
    {
        var picky = TestWorkspace.Unique("picky");
        var fine = TestWorkspace.Unique("fine");
        var (campaign, publisher) = await MarketAsync(
            (picky, new BuyerBehaviour { Ping = BuyerAnswer.Bid(20), Post = BuyerAnswer.Reject("bad phone") }, b => b with { PauseOnHighRejectRate = true }),
            (fine, new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() }, null));
        await PostLeadsAsync(publisher, campaign, 4);

        var alerted = await ReviewsWith(new ReviewOptions { MinPosts = 3 }).RejectReviewAsync();

        Assert.Contains(picky, alerted);
        Assert.DoesNotContain(fine, alerted);
        var alert = Assert.Single(await AlertsAboutAsync(picky));
        Assert.Equal(AlertKinds.BuyerRejects, alert.Kind);
        Assert.Contains("100 %", alert.Message.Replace("100%", "100 %"));
        Assert.False(host.Services.GetRequiredService<RoutingSnapshotHolder>().Current.Buyers[picky].Config.Active);
        Assert.True(host.Services.GetRequiredService<RoutingSnapshotHolder>().Current.Buyers[fine].Config.Active);
    }

    [Fact]
    public async Task Rejects_older_than_the_window_no_longer_count()
    {
        var picky = TestWorkspace.Unique("picky");
        var (campaign, publisher) = await MarketAsync((picky, new BuyerBehaviour { Ping = BuyerAnswer.Bid(20), Post = BuyerAnswer.Reject("dup") }, null));
        await PostLeadsAsync(publisher, campaign, 3);

        _time.Advance(TimeSpan.FromHours(25));
        var alerted = await ReviewsWith(new ReviewOptions { MinPosts = 3 }).RejectReviewAsync();

        Assert.DoesNotContain(picky, alerted);
        Assert.Empty(await AlertsAboutAsync(picky));
    }

    [Fact]
    public async Task Source_whose_leads_are_rejected_or_returned_far_above_the_rest_is_flagged_and_a_clean_one_is_not()
    {
        var picky = TestWorkspace.Unique("picky");
        var (rejectedCampaign, rejected) = await MarketAsync(
            (picky, new BuyerBehaviour { Ping = BuyerAnswer.Bid(20), Post = BuyerAnswer.Reject("bad phone") }, null),
            (TestWorkspace.Unique("fine"), new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() }, null));
        var (campaign, publisher) = await MarketAsync((TestWorkspace.Unique("fine"), new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() }, null));
        var (returnedCampaign, returned) = await MarketAsync((TestWorkspace.Unique("fine"), new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() }, null));
        await PostLeadsAsync(rejected, rejectedCampaign, 6);
        await PostLeadsAsync(publisher, campaign, 40);
        await PostLeadsAsync(returned, returnedCampaign, 6);
        var returnedPublisher = await PublisherOfAsync(returnedCampaign);
        await using (var db = await Db.CreateDbContextAsync())
            await db.Leads.Where(l => l.CampaignKey == returnedCampaign).ExecuteUpdateAsync(u => u.SetProperty(l => l.Status, LeadStatus.Returned));

        var flagged = await ReviewsWith(new ReviewOptions { MinSourceLeads = 5, SourceFactor = 2 }).SourceReviewAsync();

        var rejectedPublisher = await PublisherOfAsync(rejectedCampaign);
        Assert.Contains(rejectedPublisher, flagged);
        Assert.Contains(returnedPublisher, flagged);
        Assert.DoesNotContain(await PublisherOfAsync(campaign), flagged);
        var alert = Assert.Single(await AlertsAboutAsync(rejectedPublisher));
        Assert.Equal(AlertKinds.SourceQuality, alert.Kind);
        Assert.Contains("of its 6 leads were rejected or returned", alert.Message);
    }

    private async Task<string> PublisherOfAsync(string campaign)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.Leads.Where(l => l.CampaignKey == campaign).Select(l => l.PublisherKey).FirstAsync();
    }

    [Fact]
    public async Task Buyer_pinged_ten_times_per_post_gets_a_ping_fatigue_alert_and_the_webhook_hears_of_it()
    {
        var lowball = TestWorkspace.Unique("lowball");
        var (campaign, publisher) = await MarketAsync((lowball, new BuyerBehaviour { Ping = BuyerAnswer.Bid(1), Post = BuyerAnswer.Accept() }, null));
        await PostLeadsAsync(publisher, campaign, 3);

        var alerted = await ReviewsWith(new ReviewOptions { MinPings = 3 }, webhook: $"{_buyers.BaseUrl}/hooks/alert").PingFatigueReviewAsync();

        Assert.Contains(lowball, alerted);
        Assert.Contains("Tighten its filters", Assert.Single(await AlertsAboutAsync(lowball)).Message);
        var hook = Assert.Single(_buyers.CallsTo("hooks", "alert"), c => (string?)c.Body["subject"] == lowball);
        Assert.Equal(AlertKinds.PingFatigue, (string?)hook.Body["kind"]);
    }

    [Fact]
    public async Task A_condition_still_true_updates_its_open_alert_instead_of_adding_one()
    {
        var lowball = TestWorkspace.Unique("lowball");
        var (campaign, publisher) = await MarketAsync((lowball, new BuyerBehaviour { Ping = BuyerAnswer.Bid(1) }, null));
        await PostLeadsAsync(publisher, campaign, 3);
        var reviews = ReviewsWith(new ReviewOptions { MinPings = 3 });

        await reviews.PingFatigueReviewAsync();
        await reviews.PingFatigueReviewAsync();

        Assert.Single(await AlertsAboutAsync(lowball));
    }

    [Fact]
    public async Task Fallback_route_that_bought_nothing_for_30_days_is_flagged_for_review()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("fb"));
        var main = TestWorkspace.Unique("main");
        var backup = TestWorkspace.Unique("backup");
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Buyers =
            [
                TestWorkspace.Buyer(main, TestWorkspace.PingPost(main + "-c", campaign.Key, _buyers.PingUrl(main), _buyers.PostUrl(main))),
                TestWorkspace.Buyer(backup, TestWorkspace.DirectPost(backup + "-c", campaign.Key, _buyers.PostUrl(backup), 3, tier: 1)),
            ],
        });
        var reviews = ReviewsWith(new ReviewOptions { FallbackIdleDays = 30 });

        var fresh = await reviews.FallbackReviewAsync();
        _time.Advance(TimeSpan.FromDays(31));
        var later = await reviews.FallbackReviewAsync();

        Assert.DoesNotContain(backup + "-c", fresh); // just set up: it has not had its chance yet
        Assert.Contains(backup + "-c", later);
        Assert.DoesNotContain(main + "-c", later); // the first tier is no fallback
        Assert.Equal(AlertKinds.FallbackIdle, Assert.Single(await AlertsAboutAsync(backup + "-c")).Kind);
    }

    [Fact]
    public async Task Return_review_denies_reasons_the_campaign_does_not_accept_and_approves_the_rest()
    {
        var s = await ReturnsScenario.CreateAsync(host, _buyers);
        var campaign = (await host.Workspace().ExportAsync()).Campaigns.Single(c => c.Key == s.Campaign);
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign with { ReturnRules = new ReturnRulesConfig { AllowedReasons = ["duplicate", "bad phone"], AutoApprove = true } }],
        });
        var returns = host.Services.GetRequiredService<ReturnService>();
        var accepted = await s.SoldLeadAsync(host);
        var refused = await s.SoldLeadAsync(host);
        var (ok, _) = await returns.RequestAsync(accepted, s.Buyer, "duplicate", s.Buyer);
        var (no, _) = await returns.RequestAsync(refused, s.Buyer, "changed my mind", s.Buyer);

        var report = await host.Services.GetRequiredService<ReturnReview>().RunAsync();

        Assert.True(report.Approved >= 1 && report.Denied >= 1);
        Assert.Equal(ReturnStatus.Approved, (await returns.FindAsync(ok!.Id))!.Status);
        var denied = (await returns.FindAsync(no!.Id))!;
        Assert.Equal(ReturnStatus.Denied, denied.Status);
        Assert.Contains("not accepted", denied.DecisionNote);
        await using var db = await Db.CreateDbContextAsync();
        Assert.Equal(LeadStatus.Returned, (await db.Leads.FindAsync(accepted))!.Status);
        Assert.Equal(LeadStatus.Sold, (await db.Leads.FindAsync(refused))!.Status);
    }

    [Fact]
    public async Task Return_review_leaves_returns_for_a_manager_when_the_buyer_returns_too_much()
    {
        var s = await ReturnsScenario.CreateAsync(host, _buyers);
        var campaign = (await host.Workspace().ExportAsync()).Campaigns.Single(c => c.Key == s.Campaign);
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign with { ReturnRules = new ReturnRulesConfig { AutoApprove = true, MaxReturnRate = 0.10 } }],
        });
        var returns = host.Services.GetRequiredService<ReturnService>();
        var lead = await s.SoldLeadAsync(host);
        var (ret, _) = await returns.RequestAsync(lead, s.Buyer, "duplicate", s.Buyer);

        await host.Services.GetRequiredService<ReturnReview>().RunAsync();

        Assert.Equal(ReturnStatus.Pending, (await returns.FindAsync(ret!.Id))!.Status); // 1 of 1 returned is over 10 %
    }

    [Fact]
    public async Task Retention_erases_personal_data_of_old_leads_but_keeps_their_figures()
    {
        var buyer = TestWorkspace.Unique("keeper");
        var (campaign, publisher) = await MarketAsync((buyer, new BuyerBehaviour { Ping = BuyerAnswer.Bid(15), Post = BuyerAnswer.Accept() }, null));
        var answer = await (await publisher.PostAsJsonAsync("/api/v1/leads",
            TestWorkspace.Lead(campaign, new { email = "old.lead@example.com" }))).Content.ReadFromJsonAsync<JsonElement>();
        var leadId = answer.GetProperty("leadId").GetGuid();
        var housekeeping = new Housekeeping(Db, host.Services.GetRequiredService<LeadRecovery>(),
            host.Services.GetRequiredService<RoutingSnapshotHolder>(), Options.Create(new LeadHubOptions { Retention = new RetentionOptions { PiiDays = 1 } }), _time);

        await housekeeping.RunAsync();
        await using (var early = await Db.CreateDbContextAsync())
            Assert.Contains("old.lead@example.com", (await early.Leads.AsNoTracking().SingleAsync(l => l.Id == leadId)).FieldsJson);
        _time.Advance(TimeSpan.FromDays(2));
        var after = await housekeeping.RunAsync();

        await using var db = await Db.CreateDbContextAsync();
        var lead = await db.Leads.AsNoTracking().SingleAsync(l => l.Id == leadId);
        Assert.DoesNotContain("old.lead@example.com", lead.FieldsJson);
        Assert.DoesNotContain("first_name", lead.FieldsJson);
        Assert.Contains("\"state\":\"CA\"", lead.FieldsJson);
        Assert.Null(lead.EmailKey);
        Assert.Equal(LeadStatus.Sold, lead.Status);
        Assert.Equal(15m, lead.Price);
        Assert.True(after.PiiErased >= 1);
    }

    [Fact]
    public async Task Idempotency_keys_older_than_a_day_are_forgotten()
    {
        var buyer = TestWorkspace.Unique("idem");
        var (campaign, publisher) = await MarketAsync((buyer, new BuyerBehaviour { Ping = BuyerAnswer.Pass() }, null));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/leads") { Content = JsonContent.Create(TestWorkspace.Lead(campaign)) };
        request.Headers.Add("Idempotency-Key", "order-" + Guid.NewGuid());
        var leadId = (await (await publisher.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("leadId").GetGuid();
        var housekeeping = new Housekeeping(Db, host.Services.GetRequiredService<LeadRecovery>(),
            host.Services.GetRequiredService<RoutingSnapshotHolder>(), Options.Create(new LeadHubOptions()), _time);

        _time.Advance(TimeSpan.FromHours(25));
        await housekeeping.RunAsync();

        await using var db = await Db.CreateDbContextAsync();
        Assert.Null((await db.Leads.AsNoTracking().SingleAsync(l => l.Id == leadId)).IdempotencyKey);
    }

    [Fact]
    public async Task Housekeeping_that_already_ran_still_forgets_keys_and_personal_data_as_they_come_of_age()
    {
        var buyer = TestWorkspace.Unique("idem");
        var (campaign, publisher) = await MarketAsync((buyer, new BuyerBehaviour { Ping = BuyerAnswer.Pass() }, null));
        var housekeeping = new Housekeeping(Db, host.Services.GetRequiredService<LeadRecovery>(),
            host.Services.GetRequiredService<RoutingSnapshotHolder>(), Options.Create(new LeadHubOptions { Retention = new RetentionOptions { PiiDays = 2 } }), _time);
        await housekeeping.RunAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/leads")
        {
            Content = JsonContent.Create(TestWorkspace.Lead(campaign, new { email = "aging.lead@example.com" })),
        };
        request.Headers.Add("Idempotency-Key", "order-" + Guid.NewGuid());
        var leadId = (await (await publisher.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("leadId").GetGuid();

        _time.Advance(TimeSpan.FromHours(25));
        var afterADay = await housekeeping.RunAsync();
        _time.Advance(TimeSpan.FromHours(24));
        var afterTwoDays = await housekeeping.RunAsync();

        Assert.True(afterADay.ExpiredIdempotencyKeys >= 1);
        Assert.True(afterTwoDays.PiiErased >= 1);
        await using var db = await Db.CreateDbContextAsync();
        var lead = await db.Leads.AsNoTracking().SingleAsync(l => l.Id == leadId);
        Assert.Null(lead.IdempotencyKey);
        Assert.DoesNotContain("aging.lead@example.com", lead.FieldsJson);
    }
}

public sealed class ReturnKpiTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>
{
    [Fact]
    public async Task An_approved_return_credits_revenue_and_payout_back_in_the_kpis()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var lead = await s.SoldLeadAsync(host);
        await s.SoldLeadAsync(host);
        var returns = host.Services.GetRequiredService<ReturnService>();
        var (ret, _) = await returns.RequestAsync(lead, s.Buyer, "duplicate", s.Buyer);
        await returns.DecideAsync(ret!.Id, approve: true, "checked", "manager@leadhub.test");

        var kpis = host.Services.GetRequiredService<LeadHub.Core.Kpis.KpiQueries>();
        var now = DateTimeOffset.UtcNow;
        var report = await kpis.ReportAsync(now.AddHours(-1), now.AddMinutes(1), new LeadHub.Core.Kpis.KpiSlice(Campaign: s.Campaign),
            LeadHub.Core.Kpis.KpiBucket.Hour);

        Assert.Equal(2, report.Totals.Sold);
        Assert.Equal(1, report.Totals.Returns);
        Assert.Equal(ReturnsScenario.Price, report.Totals.Revenue);                 // 2 × 12.50 − 12.50
        Assert.Equal(ReturnsScenario.Payout, report.Totals.Payout);                 // 2 × 8.75 − 8.75
        Assert.Equal(0.5, report.Totals.ReturnRate);
        Assert.Equal(Math.Round(ReturnsScenario.Price / 2, 2), report.Totals.RevenuePerLead);
    }
}

public sealed class RollupCompactionTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>
{
    [Fact]
    public async Task Week_old_minute_rows_fold_into_their_hour_and_the_figures_stay_the_same()
    {
        var campaign = TestWorkspace.Unique("compact");
        var start = new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);
        var db = host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>();
        await using (var seed = await db.CreateDbContextAsync())
        {
            foreach (var minute in new[] { 0, 7, 59, 61 })
                seed.KpiBuckets.Add(new LeadHub.Core.Kpis.KpiBucketRow
                {
                    Minute = start.AddMinutes(minute), CampaignKey = campaign, PublisherKey = "p", BuyerKey = "b",
                    Leads = 2, Sold = 1, GrossRevenue = 10.5m, Pings = 3,
                });
            await seed.SaveChangesAsync();
        }
        var kpis = host.Services.GetRequiredService<LeadHub.Core.Kpis.KpiQueries>();
        var slice = new LeadHub.Core.Kpis.KpiSlice(Campaign: campaign);
        var before = await kpis.ReportAsync(start, start.AddHours(3), slice, LeadHub.Core.Kpis.KpiBucket.Hour);
        var housekeeping = new Housekeeping(db, host.Services.GetRequiredService<LeadRecovery>(),
            host.Services.GetRequiredService<RoutingSnapshotHolder>(), Options.Create(new LeadHubOptions()),
            new FakeTimeProvider(start.AddDays(30)));

        var report = await housekeeping.RunAsync();

        var after = await kpis.ReportAsync(start, start.AddHours(3), slice, LeadHub.Core.Kpis.KpiBucket.Hour);
        Assert.True(report.CompactedRollups >= 2);
        await using var read = await db.CreateDbContextAsync();
        var minutes = await read.KpiBuckets.Where(r => r.CampaignKey == campaign).Select(r => r.Minute).ToListAsync();
        Assert.Equal([start, start.AddHours(1)], minutes.Order());
        Assert.Equal(before.Totals, after.Totals);
        Assert.Equal(8, after.Totals.Leads);
        Assert.Equal(42m, after.Totals.GrossRevenue);
    }
}
