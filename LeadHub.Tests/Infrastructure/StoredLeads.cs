using System.Text.Json;
using LeadHub.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Infrastructure;

// Leads written straight to the table at a chosen time: for searches and exports whose answer
// depends on when a lead arrived (a real post is always "now").
public static class StoredLeads
{
    public static async Task<Guid> AddAsync(LeadHubFactory host, string campaign, DateTimeOffset receivedAt, string status = LeadStatus.Sold,
        string publisher = "pub-stored", string? subId = null, string? externalId = null, string zip = "94107", string state = "CA",
        string? email = null, decimal? price = 10m, string? buyer = "stored-buyer")
    {
        var id = Guid.CreateVersion7(receivedAt);
        var fields = new Dictionary<string, object?>
        {
            ["first_name"] = "Ana", ["email"] = email ?? $"ana.{id:N}@example.com", ["zip"] = zip, ["state"] = state,
        };
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        db.Leads.Add(new LeadRow
        {
            Id = id, CampaignKey = campaign, PublisherKey = publisher, SubId = subId, ExternalId = externalId, Status = status,
            ReceivedAt = receivedAt, FinishedAt = receivedAt, FieldsJson = JsonSerializer.Serialize(fields),
            Price = status == LeadStatus.Sold ? price : null, Payout = status == LeadStatus.Sold ? 7m : 0m,
            BuyerKey = status == LeadStatus.Sold ? buyer : null,
        });
        await db.SaveChangesAsync();
        return id;
    }
}
