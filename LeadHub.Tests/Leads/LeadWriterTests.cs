using LeadHub.Core.Leads;
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

    // The read before the pings runs on a kept connection: a lead stored after that connection
    // opened is seen by the next lead with the same phone or email, so the copy pings nobody.
    [Fact]
    public async Task A_lead_stored_a_moment_ago_is_seen_by_the_read_before_the_next_leads_pings()
    {
        var writer = host.Services.GetRequiredService<LeadWriter>();
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
}
