using LeadHub.Core.Returns;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LeadHub.Tests.Returns;

public sealed class ReturnServiceTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>
{
    private ReturnService Service => host.Services.GetRequiredService<ReturnService>();

    // The same service on the host's database and configuration, at a chosen time.
    private ReturnService ServiceAt(DateTimeOffset now) => new(host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>(),
        host.Services.GetRequiredService<RoutingSnapshotHolder>(), host.Services.GetRequiredService<LeadHub.Core.Kpis.KpiQueries>(),
        new FakeTimeProvider(now),
        host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LeadHub.Core.LeadHubOptions>>());

    private async Task<DateTimeOffset> SoldAtAsync(Guid leadId) => (await ReturnsDb.LeadAsync(host, leadId)).FinishedAt!.Value;

    [Fact]
    public async Task A_return_inside_the_window_is_pending_and_carries_the_sale_price_and_payout()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers, returnWindowDays: 7);
        var leadId = await s.SoldLeadAsync(host);
        var soldAt = await SoldAtAsync(leadId);

        var (row, refusal) = await ServiceAt(soldAt.AddDays(7).AddSeconds(-1)).RequestAsync(leadId, s.Buyer, "  wrong number ", s.Buyer);

        Assert.Null(refusal);
        Assert.Equal(ReturnStatus.Pending, row!.Status);
        Assert.Equal(ReturnsScenario.Price, row.Credit);
        Assert.Equal(ReturnsScenario.Payout, row.PayoutReversed);
        Assert.Equal("wrong number", row.Reason);
        Assert.Equal((s.Buyer, s.Campaign, s.Buyer), (row.BuyerKey, row.CampaignKey, row.RequestedBy));
        Assert.Equal(LeadStatus.Sold, (await ReturnsDb.LeadAsync(host, leadId)).Status); // pending changes nothing yet
        Assert.Equal(["request return"], (await ReturnsDb.AuditOfAsync(host, row.Id)).Select(a => a.Action));
    }

    [Fact]
    public async Task A_return_after_the_campaigns_window_is_refused()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers, returnWindowDays: 3);
        var leadId = await s.SoldLeadAsync(host);
        var soldAt = await SoldAtAsync(leadId);

        var (row, refusal) = await ServiceAt(soldAt.AddDays(3).AddSeconds(1)).RequestAsync(leadId, s.Buyer, "wrong number", s.Buyer);

        Assert.Null(row);
        var outside = Assert.IsType<ReturnRefusal.OutsideWindow>(refusal);
        Assert.Equal(3, outside.Days);
        Assert.Empty(await ReturnsDb.ReturnsOfAsync(host, leadId));
    }

    [Fact]
    public async Task A_buyer_cannot_return_a_lead_sold_to_another_buyer()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var other = await ReturnsScenario.CreateAsync(host, buyers);
        var leadId = await s.SoldLeadAsync(host);

        var (row, refusal) = await Service.RequestAsync(leadId, other.Buyer, "not mine", other.Buyer);

        Assert.Null(row);
        Assert.IsType<ReturnRefusal.NotSold>(refusal);
        Assert.Empty(await ReturnsDb.ReturnsOfAsync(host, leadId));
    }

    [Fact]
    public async Task Unknown_and_unsold_leads_are_refused()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        buyers.Set(s.Buyer, new BuyerBehaviour { Ping = BuyerAnswer.Pass() });
        var (unsold, status) = await s.PostLeadAsync(host);
        Assert.Equal(LeadStatus.Unsold, status);

        Assert.IsType<ReturnRefusal.UnknownLead>((await Service.RequestAsync(Guid.NewGuid(), null, "x", "manager")).Refusal);
        Assert.IsType<ReturnRefusal.NotSold>((await Service.RequestAsync(unsold, null, "x", "manager")).Refusal);
        Assert.IsType<ReturnRefusal.NotSold>((await Service.RequestAsync(unsold, s.Buyer, "x", s.Buyer)).Refusal);
        Assert.IsType<ReturnRefusal.InvalidText>((await Service.RequestAsync(unsold, null, "   ", "manager")).Refusal);
        Assert.Empty(await ReturnsDb.ReturnsOfAsync(host, unsold));
    }

    [Fact]
    public async Task Returning_a_lead_twice_is_refused_but_a_denied_return_can_be_asked_again()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var leadId = await s.SoldLeadAsync(host);
        var (first, _) = await Service.RequestAsync(leadId, s.Buyer, "wrong number", s.Buyer);

        var (again, refusal) = await Service.RequestAsync(leadId, null, "entered by hand", "manager@leadhub.test");

        Assert.Null(again);
        Assert.Equal(first!.Id, Assert.IsType<ReturnRefusal.AlreadyReturned>(refusal).ReturnId);

        await Service.DecideAsync(first.Id, approve: false, "the number works", "manager@leadhub.test");
        var (second, secondRefusal) = await Service.RequestAsync(leadId, s.Buyer, "still wrong", s.Buyer);
        Assert.Null(secondRefusal);
        Assert.Equal(2, (await ReturnsDb.ReturnsOfAsync(host, leadId)).Count);
        Assert.Equal(ReturnStatus.Pending, second!.Status);
    }

    [Fact]
    public async Task Two_requests_at_once_make_one_return()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var leadId = await s.SoldLeadAsync(host);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Service.RequestAsync(leadId, s.Buyer, "race", s.Buyer))));

        Assert.Single(results, r => r.Refusal is null);
        Assert.All(results.Where(r => r.Refusal is not null), r => Assert.IsType<ReturnRefusal.AlreadyReturned>(r.Refusal));
        Assert.Single(await ReturnsDb.ReturnsOfAsync(host, leadId));
    }

    [Fact]
    public async Task Approving_marks_the_lead_returned_and_keeps_its_price_and_payout_for_history()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var leadId = await s.SoldLeadAsync(host);
        var (requested, _) = await Service.RequestAsync(leadId, s.Buyer, "disconnected", s.Buyer);

        var (decided, refusal) = await Service.DecideAsync(requested!.Id, approve: true, " confirmed ", "manager@leadhub.test");

        Assert.Null(refusal);
        var row = Assert.Single(await ReturnsDb.ReturnsOfAsync(host, leadId));
        Assert.Equal((ReturnStatus.Approved, "manager@leadhub.test", "confirmed"), (row.Status, row.DecidedBy, row.DecisionNote));
        Assert.NotNull(row.DecidedAt);
        Assert.Equal(ReturnStatus.Approved, decided!.Status);
        var lead = await ReturnsDb.LeadAsync(host, leadId);
        Assert.Equal(LeadStatus.Returned, lead.Status);
        Assert.Equal((ReturnsScenario.Price, ReturnsScenario.Payout, s.Buyer), (lead.Price, lead.Payout, lead.BuyerKey));
        var audit = await ReturnsDb.AuditOfAsync(host, row.Id);
        Assert.Equal(["request return", "approve return"], audit.Select(a => a.Action));
        Assert.Equal("manager@leadhub.test", audit[1].Actor);
        // An approved return blocks another one.
        Assert.IsType<ReturnRefusal.AlreadyReturned>((await Service.RequestAsync(leadId, s.Buyer, "again", s.Buyer)).Refusal);
    }

    [Fact]
    public async Task Denying_keeps_the_lead_sold()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var leadId = await s.SoldLeadAsync(host);
        var (requested, _) = await Service.RequestAsync(leadId, s.Buyer, "bad lead", s.Buyer);

        var (decided, refusal) = await Service.DecideAsync(requested!.Id, approve: false, "no evidence", "manager@leadhub.test");

        Assert.Null(refusal);
        Assert.Equal(ReturnStatus.Denied, decided!.Status);
        Assert.Equal(ReturnStatus.Denied, Assert.Single(await ReturnsDb.ReturnsOfAsync(host, leadId)).Status);
        Assert.Equal(LeadStatus.Sold, (await ReturnsDb.LeadAsync(host, leadId)).Status);
    }

    [Fact]
    public async Task Deciding_twice_is_refused_and_changes_nothing()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var leadId = await s.SoldLeadAsync(host);
        var (requested, _) = await Service.RequestAsync(leadId, s.Buyer, "bad lead", s.Buyer);
        await Service.DecideAsync(requested!.Id, approve: true, null, "first@leadhub.test");

        var (row, refusal) = await Service.DecideAsync(requested.Id, approve: false, "changed my mind", "second@leadhub.test");

        Assert.Null(row);
        Assert.Equal(ReturnStatus.Approved, Assert.IsType<ReturnRefusal.AlreadyDecided>(refusal).Status);
        var stored = Assert.Single(await ReturnsDb.ReturnsOfAsync(host, leadId));
        Assert.Equal((ReturnStatus.Approved, "first@leadhub.test"), (stored.Status, stored.DecidedBy));
        Assert.Equal(LeadStatus.Returned, (await ReturnsDb.LeadAsync(host, leadId)).Status);
        Assert.IsType<ReturnRefusal.UnknownReturn>((await Service.DecideAsync(Guid.NewGuid(), true, null, "x")).Refusal);
    }

    [Fact]
    public async Task Reject_statistics_count_a_buyers_posts_rejections_reasons_and_returns()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(host, buyers);
        var sold = await s.SoldLeadAsync(host);
        buyers.Set(s.Buyer, new BuyerBehaviour { Ping = BuyerAnswer.Bid(ReturnsScenario.Price), Post = BuyerAnswer.Reject("duplicate") });
        await s.PostLeadAsync(host);
        await s.PostLeadAsync(host);
        buyers.Set(s.Buyer, new BuyerBehaviour { Ping = BuyerAnswer.Bid(ReturnsScenario.Price), Post = BuyerAnswer.Reject("bad zip") });
        await s.PostLeadAsync(host);
        var (requested, _) = await Service.RequestAsync(sold, s.Buyer, "wrong number", s.Buyer);
        await Service.DecideAsync(requested!.Id, true, null, "manager");

        var stats = Assert.Single(await Service.RejectStatsAsync(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1)),
            b => b.Buyer == s.Buyer);

        Assert.Equal((4L, 3L, (double?)0.75), (stats.Posts, stats.Rejected, stats.RejectRate));
        Assert.True(stats.AboveAlert);
        Assert.Equal([new ReasonCount("duplicate", 2), new ReasonCount("bad zip", 1)], stats.TopReasons);
        Assert.Equal((1, 1), (stats.ReturnsRequested, stats.ReturnsApproved));
    }
}
