using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Api;

// What the editors read (WorkspaceQueries, from the snapshot) and how they pause and resume
// (WorkspaceService.SetActiveAsync, one method for all four kinds).
public class WorkspaceQueriesTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    private const string Secret = "s3cr3t-pa55";

    private WorkspaceQueries Queries => factory.Services.GetRequiredService<WorkspaceQueries>();

    private async Task<(CampaignConfig Campaign, BuyerConfig Buyer)> SeedAsync()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("wq"));
        var buyer = TestWorkspace.Buyer(TestWorkspace.Unique("wq-buyer"), TestWorkspace.PingPost(TestWorkspace.Unique("wq-c"), campaign.Key,
            $"https://acme:{Secret}@buyer.example/ping", $"https://acme:{Secret}@buyer.example/post"));
        Assert.Empty(await factory.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [campaign], Buyers = [buyer] }));
        return (campaign, buyer);
    }

    [Fact]
    public async Task Reads_one_object_as_the_export_shows_it_without_url_credentials()
    {
        var (campaign, buyer) = await SeedAsync();

        Assert.Equal(campaign.Name, Queries.Campaign(campaign.Key)!.Name);
        var contract = Assert.Single(Queries.Buyer(buyer.Key)!.Contracts);
        Assert.Equal("https://***@buyer.example/ping", contract.PingUrl);
        Assert.DoesNotContain(Secret, contract.PostUrl);
        Assert.Equal(buyer.Key, Queries.OwnerOfContract(contract.Key));
        Assert.Null(Queries.Campaign("no-such-" + campaign.Key));
        Assert.Null(Queries.Buyer(null));

        var exported = (await factory.Workspace().ExportAsync()).Buyers.Single(b => b.Key == buyer.Key);
        Assert.Equal(exported.Contracts.Select(c => (c.PingUrl, c.PostUrl)), Queries.Document().Buyers.Single(b => b.Key == buyer.Key).Contracts.Select(c => (c.PingUrl, c.PostUrl)));
    }

    [Fact]
    public async Task SetActiveAsync_pauses_each_kind_once_audited_and_reports_unchanged_and_unknown()
    {
        var (campaign, buyer) = await SeedAsync();
        var contract = buyer.Contracts[0].Key;
        var workspace = factory.Workspace();

        foreach (var (kind, key) in new[] { ("campaign", campaign.Key), ("buyer", buyer.Key), ("contract", contract) })
        {
            Assert.Equal(ActiveChange.Changed, await workspace.SetActiveAsync(kind, key, false, "tester"));
            Assert.Equal(ActiveChange.Unchanged, await workspace.SetActiveAsync(kind, key, false, "tester"));
        }
        Assert.Equal(ActiveChange.NotFound, await workspace.SetActiveAsync("publisher", "no-such-publisher", false, "tester"));

        // The snapshot (what routing and the editors read) sees it at once.
        Assert.False(Queries.Campaign(campaign.Key)!.Active);
        Assert.False(Queries.Buyer(buyer.Key)!.Active);
        Assert.False(Queries.Buyer(buyer.Key)!.Contracts.Single().Active);

        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        Assert.False((await db.Campaigns.SingleAsync(c => c.Key == campaign.Key)).Active);
        var keys = new[] { campaign.Key, buyer.Key, contract };
        var audit = await db.Audit.Where(a => keys.Contains(a.EntityKey) && a.Actor == "tester").ToListAsync();
        Assert.Equal(3, audit.Count);
        Assert.All(audit, a => Assert.Equal("pause", a.Action));

        Assert.Equal(ActiveChange.Changed, await workspace.SetActiveAsync("campaign", campaign.Key, true, "tester"));
        Assert.True(Queries.Campaign(campaign.Key)!.Active);
    }
}
