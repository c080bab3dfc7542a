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
}
