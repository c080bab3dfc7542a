using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Kpis;
using LeadHub.Core.Leads;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Kpis;

// Random traffic through the real host to real loopback buyers; then the rollups (and the KPIs
// read from them) must equal what the Leads and TraceSteps tables say, recomputed here.
public sealed class RollupPropertyTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>, IAsyncLifetime
{
    private LoopbackBuyers _buyers = null!;

    public async Task InitializeAsync() => _buyers = await LoopbackBuyers.StartAsync();

    public async Task DisposeAsync() => await _buyers.DisposeAsync();

    private sealed record Key(DateTimeOffset Minute, string Campaign, string Publisher, string SubId, string Buyer);

    private sealed record Counters(long Leads = 0, long Valid = 0, long Invalid = 0, long Duplicates = 0, long Sold = 0, decimal Revenue = 0,
        decimal Payout = 0, long Pings = 0, long Bids = 0, decimal BidSum = 0, long Posts = 0, long Rejects = 0, long Returns = 0, decimal ReturnCredits = 0,
        long Offered = 0, long PingedPosts = 0)
    {
        public static Counters operator +(Counters a, Counters b) => new(a.Leads + b.Leads, a.Valid + b.Valid, a.Invalid + b.Invalid,
            a.Duplicates + b.Duplicates, a.Sold + b.Sold, a.Revenue + b.Revenue, a.Payout + b.Payout, a.Pings + b.Pings, a.Bids + b.Bids,
            a.BidSum + b.BidSum, a.Posts + b.Posts, a.Rejects + b.Rejects, a.Returns + b.Returns, a.ReturnCredits + b.ReturnCredits,
            a.Offered + b.Offered, a.PingedPosts + b.PingedPosts);

        // decimal 7.0 and 7.00 are equal but print differently; normalise for readable diffs.
        public override string ToString() =>
            $"leads {Leads} valid {Valid} invalid {Invalid} dup {Duplicates} sold {Sold} rev {Revenue:0.00} payout {Payout:0.00} " +
            $"pings {Pings} bids {Bids} bidSum {BidSum:0.00} posts {Posts} rejects {Rejects} returns {Returns} credits {ReturnCredits:0.00} offered {Offered} pingedPosts {PingedPosts}";
    }

    private sealed record Request(HttpClient Publisher, object Body, string IdempotencyKey);

    [Theory]
    [InlineData(20261124)]
    [InlineData(7)]
    public async Task Rollups_equal_a_recomputation_from_leads_and_traces(int seed)
    {
        var rng = new Random(seed);
        var (campaigns, publishers, steady) = await SetUpAsync();
        var clients = publishers.ToDictionary(p => p.Key, p => host.Publisher(p.ApiKey!));
        try
        {
            var requests = Traffic(rng, campaigns, [.. clients.Values], count: 60);
            // A few at a time, so the lead writer groups several leads into one transaction.
            foreach (var chunk in requests.Chunk(4)) await Task.WhenAll(chunk.Select(SendAsync));
        }
        finally
        {
            foreach (var c in clients.Values) c.Dispose();
        }

        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var leads = await db.Leads.AsNoTracking().Where(l => campaigns.Contains(l.CampaignKey)).ToListAsync();
        var ids = leads.Select(l => l.Id).ToList();
        var steps = (await LeadTraces.OfAsync(db, ids)).Values.SelectMany(s => s).ToList();
        var rollups = await db.KpiBuckets.AsNoTracking().Where(r => campaigns.Contains(r.CampaignKey)).ToListAsync();

        Assert.DoesNotContain(leads, l => l.Status == LeadStatus.Routing); // every answer came after the final write
        Assert.Contains(leads, l => l.Test);
        var counted = leads.Where(l => !l.Test).ToDictionary(l => l.Id);

        // Per (minute, campaign, publisher, sub-id, buyer), straight from the tables.
        var expected = Recompute(counted, steps);
        var actual = rollups.ToDictionary(
            r => new Key(r.Minute, r.CampaignKey, r.PublisherKey, r.SubId, r.BuyerKey),
            r => new Counters(r.Leads, r.Valid, r.Invalid, r.Duplicates, r.Sold, r.GrossRevenue, r.Payout, r.Pings, r.Bids, r.BidSum, r.Posts,
                r.Rejects, r.Returns, r.ReturnCredits, r.Offered, r.PingedPosts));
        Assert.Equal(Lines(expected), Lines(actual));

        // The traffic really exercised every counter.
        var all = expected.Values.Aggregate(new Counters(), (a, b) => a + b);
        Assert.True(all is { Invalid: > 0, Duplicates: > 0, Sold: > 0, Bids: > 0, Rejects: > 0 } && all.Valid > all.Sold, all.ToString());
        // Direct posts (the fallback buyer) are posts but not posts after a ping.
        Assert.True(all.PingedPosts > 0 && all.PingedPosts < all.Posts, all.ToString());

        // The KPIs read from rollups equal the CONTRACT §6 definitions applied to the tables.
        var kpis = host.Services.GetRequiredService<KpiQueries>();
        var from = leads.Min(l => l.ReceivedAt);
        var to = DateTimeOffset.UtcNow;
        var pub = publishers[1].Key;
        var slices = new (KpiSlice Slice, Func<LeadRow, bool> Lead, string? Buyer)[]
        {
            (new KpiSlice(Campaign: campaigns[0]), l => l.CampaignKey == campaigns[0], null),
            (new KpiSlice(Publisher: pub), l => l.PublisherKey == pub, null),
            (new KpiSlice(Campaign: campaigns[1], SubId: "fb"), l => l.CampaignKey == campaigns[1] && l.SubId == "fb", null),
            (new KpiSlice(Buyer: steady), _ => true, steady),
        };
        foreach (var (slice, inSlice, buyer) in slices)
        {
            var report = await kpis.ReportAsync(from, to, slice, KpiBucket.Minute);
            AssertKpis(Slice(counted, steps, inSlice, buyer), report.Totals, slice.ToString());
            Assert.Equal(0, report.Previous.Leads);
            Assert.Equal(report.Totals, KpiFigures.Sum(report.Buckets.Select(b => b.Figures)));
        }

        // Breakdown by buyer of one campaign: each buyer's own pings, posts and purchases.
        var byBuyer = (await kpis.ReportAsync(from, to, new KpiSlice(Campaign: campaigns[0]), KpiBucket.Hour)).ByBuyer;
        foreach (var row in byBuyer)
            AssertKpis(Slice(counted, steps, l => l.CampaignKey == campaigns[0], row.Key), row.Figures, "buyer " + row.Key);
    }

    private static Dictionary<Key, Counters> Recompute(Dictionary<Guid, LeadRow> counted, List<TraceStepRow> steps)
    {
        static Key KeyOf(LeadRow l, string buyer) =>
            new(new DateTimeOffset(l.ReceivedAt.UtcTicks - l.ReceivedAt.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero),
                l.CampaignKey, l.PublisherKey, l.SubId ?? "", buyer);

        var leadFacts = counted.Values.Select(l =>
        {
            var sold = l.Status == LeadStatus.Sold;
            return (Key: KeyOf(l, sold ? l.BuyerKey! : ""), Counters: new Counters(
                Leads: 1,
                Valid: l.Status is LeadStatus.Sold or LeadStatus.Unsold ? 1 : 0,
                Invalid: l.Status == LeadStatus.Invalid ? 1 : 0,
                Duplicates: l.Status == LeadStatus.Duplicate ? 1 : 0,
                Sold: sold ? 1 : 0,
                Revenue: sold ? l.Price!.Value : 0,
                Payout: l.Payout));
        });
        var sent = steps.Where(s => counted.ContainsKey(s.LeadId) && s.Buyer is not null && s.Outcome != "skipped" && s.Kind is "ping" or "post").ToList();
        var pinged = sent.Where(s => s.Kind == "ping").Select(s => (s.LeadId, s.Contract)).ToHashSet();
        var stepFacts = sent
            .Select(s => (Key: KeyOf(counted[s.LeadId], s.Buyer!), Counters: s.Kind == "ping"
                ? new Counters(Pings: 1, Bids: s is { Outcome: "bid", Bid: > 0 } ? 1 : 0, BidSum: s is { Outcome: "bid", Bid: > 0 } ? s.Bid!.Value : 0)
                : new Counters(Posts: 1, Rejects: s.Outcome == "accepted" ? 0 : 1, PingedPosts: pinged.Contains((s.LeadId, s.Contract)) ? 1 : 0)));
        // A buyer is offered a lead once, however many of its contracts were pinged or posted.
        var offerFacts = sent.Select(s => (s.LeadId, Buyer: s.Buyer!)).Distinct()
            .Select(o => (Key: KeyOf(counted[o.LeadId], o.Buyer), Counters: new Counters(Offered: 1)));
        return leadFacts.Concat(stepFacts).Concat(offerFacts)
            .GroupBy(f => f.Key)
            .ToDictionary(g => g.Key, g => g.Aggregate(new Counters(), (sum, f) => sum + f.Counters));
    }

    private sealed record Expected(List<LeadRow> Leads, List<TraceStepRow> Pings, List<TraceStepRow> Posts, List<TraceStepRow> PingedPosts);

    // The leads and sent pings/posts of a slice; a buyer slice has the leads that buyer bought.
    private static Expected Slice(Dictionary<Guid, LeadRow> counted, List<TraceStepRow> steps, Func<LeadRow, bool> inSlice, string? buyer)
    {
        var leads = counted.Values.Where(inSlice)
            .Where(l => buyer is null || (buyer == "" ? l.Status != LeadStatus.Sold : l.Status == LeadStatus.Sold && l.BuyerKey == buyer))
            .ToList();
        var sent = steps.Where(s => counted.TryGetValue(s.LeadId, out var l) && inSlice(l) && s.Buyer is not null && s.Outcome != "skipped"
            && (buyer is null || s.Buyer == buyer)).ToList();
        var pinged = steps.Where(s => s.Kind == "ping" && s.Outcome != "skipped").Select(s => (s.LeadId, s.Contract)).ToHashSet();
        return new Expected(leads, sent.Where(s => s.Kind == "ping").ToList(), sent.Where(s => s.Kind == "post").ToList(),
            sent.Where(s => s.Kind == "post" && pinged.Contains((s.LeadId, s.Contract))).ToList());
    }

    private static void AssertKpis(Expected e, KpiFigures f, string what)
    {
        var sold = e.Leads.Where(l => l.Status == LeadStatus.Sold).ToList();
        var valid = e.Leads.Count(l => l.Status is LeadStatus.Sold or LeadStatus.Unsold);
        var bids = e.Pings.Where(p => p.Outcome == "bid" && p.Bid > 0).Select(p => p.Bid!.Value).ToList();
        var revenue = sold.Sum(l => l.Price!.Value); // no returns yet: no credits
        var payouts = e.Leads.Sum(l => l.Payout);

        Assert.True(e.Leads.Count == f.Leads, $"{what}: leads {e.Leads.Count} vs {f.Leads}");
        Assert.True(revenue == f.Revenue, $"{what}: revenue {revenue} vs {f.Revenue}");
        Assert.Equal(e.Leads.Count == 0 ? (decimal?)null : Math.Round(revenue / e.Leads.Count, 2, MidpointRounding.AwayFromZero), f.RevenuePerLead);
        Assert.Equal(valid == 0 ? (double?)null : (double)sold.Count / valid, f.SellThrough);
        // CONTRACT §6: posts to contracts pinged for that lead / pings; direct posts are left out.
        Assert.Equal(e.Pings.Count == 0 ? (double?)null : (double)e.PingedPosts.Count / e.Pings.Count, f.PingToPost);
        Assert.True(f.PingToPost is null or <= 1, $"{what}: ping-to-post {f.PingToPost} over 100 %");
        Assert.Equal(bids.Count == 0 ? (decimal?)null : Math.Round(bids.Average(), 2, MidpointRounding.AwayFromZero), f.AverageBid);
        Assert.Equal(e.Posts.Count == 0 ? (double?)null : (double)e.Posts.Count(p => p.Outcome != "accepted") / e.Posts.Count, f.RejectRate);
        Assert.Equal(sold.Count == 0 ? (double?)null : 0.0, f.ReturnRate);
        Assert.True(revenue - payouts == f.Margin, $"{what}: margin {revenue - payouts} vs {f.Margin}");
    }

    private static List<string> Lines(Dictionary<Key, Counters> rows) =>
        rows.Select(r => $"{r.Key.Minute:HH:mm} {r.Key.Campaign} {r.Key.Publisher} '{r.Key.SubId}' '{r.Key.Buyer}': {r.Value}").Order().ToList();

    private async Task<(List<string> Campaigns, List<PublisherConfig> Publishers, string Steady)> SetUpAsync()
    {
        var campaigns = new List<string> { TestWorkspace.Unique("roll-a"), TestWorkspace.Unique("roll-b") };
        string Buyer(string name, BuyerBehaviour behaviour)
        {
            var key = TestWorkspace.Unique(name);
            _buyers.Set(key, behaviour);
            return key;
        }
        var rich = Buyer("rich", new BuyerBehaviour { Ping = BuyerAnswer.Bid(20), Post = BuyerAnswer.Reject("duplicate") });
        var steady = Buyer("steady", new BuyerBehaviour { Ping = BuyerAnswer.Bid(12.5m), Post = BuyerAnswer.Accept() });
        var passer = Buyer("passer", new BuyerBehaviour { Ping = BuyerAnswer.Pass() });
        var lowball = Buyer("lowball", new BuyerBehaviour { Ping = BuyerAnswer.Bid(0.5m), Post = BuyerAnswer.Accept() }); // under the floor
        var broken = Buyer("broken", new BuyerBehaviour { Ping = BuyerAnswer.ServerError() });
        var sleepy = Buyer("sleepy", new BuyerBehaviour { Ping = BuyerAnswer.Bid(50, delayMs: 3000), Post = BuyerAnswer.Accept() });
        var fallback = Buyer("fallback", new BuyerBehaviour { Post = BuyerAnswer.Accept() });

        ContractConfig PingPost(string buyer, string campaign, int timeoutMs = 5000) =>
            TestWorkspace.PingPost($"{buyer}-{campaign}", campaign, _buyers.PingUrl(buyer), _buyers.PostUrl(buyer), timeoutMs: timeoutMs);
        static JsonElement J(object value) => JsonSerializer.SerializeToElement(value);
        var (a, b) = (campaigns[0], campaigns[1]);
        var buyers = new List<BuyerConfig>
        {
            TestWorkspace.Buyer(rich, PingPost(rich, a), PingPost(rich, b)),
            // Bids only for some states, so leads differ in who bids.
            TestWorkspace.Buyer(steady, [.. new[] { a, b }.Select(c => PingPost(steady, c) with
                { Filters = [new FilterConfig { Field = "state", Op = FilterOps.In, Value = J(new[] { "CA", "NV" }) }] })]),
            TestWorkspace.Buyer(passer, PingPost(passer, a)),
            TestWorkspace.Buyer(lowball, PingPost(lowball, a), PingPost(lowball, b)),
            TestWorkspace.Buyer(broken, PingPost(broken, b)),
            TestWorkspace.Buyer(sleepy, PingPost(sleepy, b, timeoutMs: 150)),
            // The fixed-price fallback tier takes part of what the auction did not sell.
            TestWorkspace.Buyer(fallback, [.. new[] { a, b }.Select(c => TestWorkspace.DirectPost($"{fallback}-{c}", c, _buyers.PostUrl(fallback), 3m) with
                { Filters = [new FilterConfig { Field = "age", Op = FilterOps.Between, Value = J(new[] { 30, 50 }) }] })]),
        };
        var publishers = new List<PublisherConfig>
        {
            TestWorkspace.Publisher(TestWorkspace.Unique("rp"), "key-" + Guid.NewGuid().ToString("N"), a, b),
            TestWorkspace.Publisher(TestWorkspace.Unique("rp"), "key-" + Guid.NewGuid().ToString("N"), a, b) with
                { Payout = new PayoutConfig { Model = PayoutModels.Fixed, Percent = null, Amount = 2.5m } },
            TestWorkspace.Publisher(TestWorkspace.Unique("rp"), "key-" + Guid.NewGuid().ToString("N"), a, b) with
                { Payout = new PayoutConfig { Model = PayoutModels.Revshare, Percent = 55 } },
        };
        await host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [.. campaigns.Select(c => TestWorkspace.Campaign(c, auctionTimeoutMs: 5000, floor: 1))],
            Publishers = publishers,
            Buyers = buyers,
        });
        return (campaigns, publishers, steady);
    }

    // Valid leads of new people, invalid ones, duplicates of earlier people (from any publisher),
    // test leads and repeated requests (same Idempotency-Key), mixed at random.
    private static List<Request> Traffic(Random rng, List<string> campaigns, List<HttpClient> publishers, int count)
    {
        T Pick<T>(IReadOnlyList<T> items) => items[rng.Next(items.Count)];
        string?[] subIds = [null, "fb", "gg"];
        string[] states = ["CA", "NV", "TX", "OR"];
        var requests = new List<Request>();
        var valid = new List<object>();
        for (var i = 0; i < count; i++)
        {
            var roll = rng.NextDouble();
            var publisher = Pick(publishers);
            Request request;
            if (roll < 0.08 && requests.Count > 0)
            {
                requests.Add(Pick(requests));
                continue;
            }
            if (roll < 0.18 && valid.Count > 0)
                request = new Request(publisher, Pick(valid), Guid.NewGuid().ToString());
            else if (roll < 0.32)
                request = new Request(publisher, TestWorkspace.Lead(Pick(campaigns), new { zip = "bad" }, Pick(subIds)), Guid.NewGuid().ToString());
            else
            {
                var test = roll < 0.40;
                var lead = TestWorkspace.Lead(Pick(campaigns), new { state = Pick(states), age = rng.Next(20, 61) }, Pick(subIds), test);
                if (!test) valid.Add(lead);
                request = new Request(publisher, lead, Guid.NewGuid().ToString());
            }
            requests.Add(request);
        }
        return requests;
    }

    private static async Task SendAsync(Request r)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/leads") { Content = JsonContent.Create(r.Body) };
        message.Headers.Add("Idempotency-Key", r.IdempotencyKey);
        var response = await r.Publisher.SendAsync(message);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.UnprocessableEntity,
            $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
