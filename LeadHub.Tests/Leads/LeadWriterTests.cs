using LeadHub.Core.Leads;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Leads;

// The lead writer keeps one connection open from batch to batch with its statements prepared.
public sealed class LeadWriterTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>
{
    [Fact]
    public async Task A_write_that_fails_fails_alone_and_the_writer_goes_on_writing()
    {
        var writer = host.Services.GetRequiredService<LeadWriter>();
        var leadId = Guid.NewGuid();
        PostIntentRow Intent(int seq) => new()
        {
            LeadId = leadId, Seq = seq, BuyerKey = "b", ContractKey = "c", Price = 1.25m, At = DateTimeOffset.UtcNow,
        };
        await writer.IntendAsync(Intent(0));

        // Queued together, so most likely one batch: the repeated key fails it, and the writer
        // writes each again alone, on a fresh connection.
        var repeated = writer.IntendAsync(Intent(0));
        var neighbour = writer.IntendAsync(Intent(1));
        await Assert.ThrowsAnyAsync<Exception>(() => repeated);
        await neighbour;
        await writer.IntendAsync(Intent(2));

        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var written = await db.PostIntents.Where(i => i.LeadId == leadId).OrderBy(i => i.Seq).Select(i => i.Seq).ToListAsync();
        Assert.Equal([0, 1, 2], written);
    }

    // A finish is written whole or not at all (on PostgreSQL in one round trip that is its own
    // transaction): one that cannot store its trace leaves the lead as it was, sold to nobody.
    [Fact]
    public async Task A_finish_that_cannot_be_written_whole_leaves_the_lead_as_it_was()
    {
        var writer = host.Services.GetRequiredService<LeadWriter>();
        var now = DateTimeOffset.UtcNow;
        var lead = new NewLead(Guid.NewGuid(), "whole-" + Guid.NewGuid().ToString("N"), "pub", null, null, null, false, LeadStatus.Routing,
            "{}", null, null, null, now, null, null, null);
        await writer.ReceiveAsync(lead, dedupeSince: null);
        var step = new TraceStep(TraceKinds.Post, "b", "c", null, TraceOutcomes.Rejected, null, 1m, "no", 1, now);
        LeadFinish Finish(string status, decimal? price, string? buyer) =>
            new(lead.Id, status, price, buyer, buyer, 0m, null, now, [step], [], FirstSeq: 1, Kpi: lead.Routed.Kpi);
        await writer.FinishAsync(Finish(LeadStatus.Unsold, null, null));

        // Its trace's first step takes a place the first finish already holds: the step cannot be stored.
        await Assert.ThrowsAnyAsync<Exception>(() => writer.FinishAsync(Finish(LeadStatus.Sold, 9.5m, "b")));

        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var row = await db.Leads.AsNoTracking().SingleAsync(l => l.Id == lead.Id);
        Assert.Equal((LeadStatus.Unsold, null, null), (row.Status, row.Price, row.BuyerKey));
    }

    // The read before the pings runs on a kept connection: a lead stored after that connection
    // opened is seen by the next lead with the same phone or email, so the copy pings nobody. On
    // SQLite the read runs only for keys the node has stored (SeenKeys): the writer adds each lead's
    // keys before its write is done.
    [Fact]
    public async Task A_lead_stored_a_moment_ago_is_seen_by_the_read_before_the_next_leads_pings()
    {
        var writer = host.Services.GetRequiredService<LeadWriter>();
        if (!host.Database.IsPostgres) await writer.StoredKeysLoaded.WaitAsync(TimeSpan.FromSeconds(60));
        var since = DateTimeOffset.UtcNow.AddDays(-30);
        NewLead Lead(string person) => new(Guid.NewGuid(), "kept-read", "pub", null, null, null, false, LeadStatus.Routing, "{}", null,
            "p-" + person, "e-" + person, DateTimeOffset.UtcNow, null, null, null);

        foreach (var person in new[] { Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N") })
        {
            Assert.False(await writer.SeenBeforeAsync(Lead(person), since));
            Assert.Equal(ReceiveOutcome.Stored, (await writer.ReceiveAsync(Lead(person), since)).Outcome);
            Assert.True(await writer.SeenBeforeAsync(Lead(person), since));
            Assert.True(await writer.SeenBeforeAsync(Lead(person) with { PhoneKey = null }, since), "by email alone");
        }
    }

    // The read before the pings runs beside the lead's own write and may come after it: the lead's
    // own row (by its phone, email or Idempotency-Key) never makes it a duplicate or a repeat.
    [Fact]
    public async Task The_read_before_the_pings_never_counts_the_leads_own_row()
    {
        var writer = host.Services.GetRequiredService<LeadWriter>();
        var since = DateTimeOffset.UtcNow.AddDays(-30);
        var person = Guid.NewGuid().ToString("N");
        var lead = new NewLead(Guid.NewGuid(), "own-row", "pub", null, null, "key-" + person, false, LeadStatus.Routing, "{}", null,
            "p-" + person, "e-" + person, DateTimeOffset.UtcNow, null, null, null);
        Assert.Equal(ReceiveOutcome.Stored, (await writer.ReceiveAsync(lead, since)).Outcome);

        Assert.False(await writer.SeenBeforeAsync(lead, since));
        Assert.True(await writer.SeenBeforeAsync(lead with { Id = Guid.NewGuid() }, since), "another lead, same person and key");
        Assert.True(await writer.SeenBeforeAsync(lead with { Id = Guid.NewGuid(), IdempotencyKey = null }, since), "another lead, same person");
    }

    // The Idempotency-Keys go in the same read as the phones and emails: each lead queued with others
    // is judged by its own publisher's key, a key within 24 h repeats its first lead (whatever that
    // lead became, invalid too), and a key older than that names a new lead.
    [Fact]
    public async Task Leads_queued_together_are_each_judged_a_repeat_by_their_own_publisher_and_key()
    {
        var writer = host.Services.GetRequiredService<LeadWriter>();
        var now = DateTimeOffset.UtcNow;
        var since = now.AddDays(-30);
        string U(string what) => what + "-" + Guid.NewGuid().ToString("N");
        var (pubA, pubB, campaign) = (U("pub-a"), U("pub-b"), U("keys"));
        var (key1, key2, old) = (U("k1"), U("k2"), U("old"));
        NewLead Lead(string publisher, string? key, DateTimeOffset at, string status = LeadStatus.Routing) => new(Guid.NewGuid(), campaign,
            publisher, null, null, key, false, status, "{}", null, U("p"), U("e"), at, null, null, null);
        var firstA1 = Lead(pubA, key1, now);
        var firstB2 = Lead(pubB, key2, now, LeadStatus.Invalid);
        await writer.ReceiveAsync(firstA1, since);
        await writer.ReceiveAsync(firstB2, null);
        await writer.ReceiveAsync(Lead(pubA, old, now - Dedupe.IdempotencyWindow - TimeSpan.FromHours(1)), since);

        (NewLead Lead, ReceiveOutcome Expected, Guid? First)[] queued =
        [
            (Lead(pubA, key1, now), ReceiveOutcome.Replay, firstA1.Id),
            (Lead(pubB, key1, now), ReceiveOutcome.Stored, null),
            (Lead(pubA, key2, now), ReceiveOutcome.Stored, null),
            (Lead(pubB, key2, now), ReceiveOutcome.Replay, firstB2.Id),
            (Lead(pubA, old, now), ReceiveOutcome.Stored, null),
            (Lead(pubA, null, now), ReceiveOutcome.Stored, null),
        ];
        var results = await Task.WhenAll(queued.Select(q => writer.ReceiveAsync(q.Lead, since)));

        Assert.Equal(queued.Select(q => q.Expected), results.Select(r => r.Outcome));
        Assert.Equal(queued.Select(q => q.First ?? q.Lead.Id), results.Select(r => r.Lead.Id));
        // The read before the pings knows every key now, the reused one by its new lead.
        foreach (var (lead, _, _) in queued.Where(q => q.Lead.IdempotencyKey is not null))
            Assert.True(await writer.SeenBeforeAsync(lead with { Id = Guid.NewGuid() }, null), $"{lead.PublisherKey} {lead.IdempotencyKey}");
    }

    // Leads queued together are checked in one read whose text is kept by its shape (how many campaigns,
    // phones and emails): each lead is judged by its own campaign, phone and email, whatever its neighbours.
    [Fact]
    public async Task Leads_queued_together_are_each_judged_a_duplicate_by_their_own_campaign_phone_and_email()
    {
        var writer = host.Services.GetRequiredService<LeadWriter>();
        var since = DateTimeOffset.UtcNow.AddDays(-30);
        string U(string what) => what + "-" + Guid.NewGuid().ToString("N");
        var (campaignA, campaignB) = (U("dedupe-a"), U("dedupe-b"));
        var (phone1, email1, phone2, email2) = (U("p1"), U("e1"), U("p2"), U("e2"));
        NewLead Lead(string campaign, string? phone, string? email) => new(Guid.NewGuid(), campaign, "pub", null, null, null, false,
            LeadStatus.Routing, "{}", null, phone, email, DateTimeOffset.UtcNow, null, null, null);
        await writer.ReceiveAsync(Lead(campaignA, phone1, email1), since);
        await writer.ReceiveAsync(Lead(campaignB, phone2, email2), since);

        (NewLead Lead, ReceiveOutcome Expected)[] queued =
        [
            (Lead(campaignA, phone1, U("e")), ReceiveOutcome.Duplicate),
            (Lead(campaignA, U("p"), email1), ReceiveOutcome.Duplicate),
            (Lead(campaignB, phone1, U("e")), ReceiveOutcome.Stored),
            (Lead(campaignB, U("p"), email2), ReceiveOutcome.Duplicate),
            (Lead(campaignA, U("p"), U("e")), ReceiveOutcome.Stored),
            (Lead(campaignB, null, email2), ReceiveOutcome.Duplicate),
            (Lead(campaignA, phone2, null), ReceiveOutcome.Stored),
            (Lead(campaignB, email1, phone1), ReceiveOutcome.Stored),
        ];
        var results = await Task.WhenAll(queued.Select(q => writer.ReceiveAsync(q.Lead, since)));

        Assert.Equal(queued.Select(q => q.Expected), results.Select(r => r.Outcome));
    }
}
