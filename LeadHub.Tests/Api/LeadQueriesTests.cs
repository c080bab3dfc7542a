using LeadHub.Core.Leads;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Api;

// The one read side of leads, used by the admin API and the lead pages.
public class LeadQueriesTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    [Fact]
    public async Task Search_filters_orders_pages_and_caps_the_count_and_a_lead_shows_masked_to_a_viewer()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("lq"));
        Assert.Empty(await factory.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [campaign] }));
        var start = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var leads = Enumerable.Range(0, 5).Select(i => new LeadRow
        {
            Id = Guid.NewGuid(), CampaignKey = campaign.Key, PublisherKey = "pub", Status = i == 4 ? LeadStatus.Unsold : LeadStatus.Sold,
            ReceivedAt = start.AddMinutes(i), FieldsJson = """{"email":"jane@example.com","zip":"94107"}""",
        }).ToList();
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync())
        {
            db.Leads.AddRange(leads);
            await db.SaveChangesAsync();
        }
        var queries = factory.Services.GetRequiredService<LeadQueries>();

        var sold = await queries.SearchAsync(new LeadFilter(Status: LeadStatus.Sold, Campaign: campaign.Key), skip: 1, take: 2);
        Assert.Equal(4, sold.Total);
        Assert.Equal([leads[2].Id, leads[1].Id], sold.Items.Select(l => l.Id));   // newest first, second page of 1
        var oldest = await queries.SearchAsync(new LeadFilter(Campaign: campaign.Key, To: start.AddMinutes(2)), 0, 10, ascending: true);
        Assert.Equal([leads[0].Id, leads[1].Id], oldest.Items.Select(l => l.Id));
        Assert.Equal(3, (await queries.SearchAsync(new LeadFilter(Campaign: campaign.Key), 0, 1, countAtMost: 3)).Total);

        var lead = await queries.GetAsync(leads[0].Id);
        Assert.NotNull(lead);
        Assert.Empty(lead.Trace);
        Assert.Null(lead.LatestReturn);
        Assert.True(campaign.Fields.Single(f => f.Name == "email").Pii);
        var masked = queries.Fields(lead, seesPii: false);
        Assert.Equal("j***@example.com", masked.Single(f => f.Name == "email").Value);
        Assert.Equal("94107", masked.Single(f => f.Name == "zip").Value);   // not PII
        Assert.Equal("jane@example.com", queries.Fields(lead, seesPii: true).Single(f => f.Name == "email").Value);
        Assert.Null(await queries.GetAsync(Guid.NewGuid()));
    }
}
