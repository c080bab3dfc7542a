using Bunit;
using Bunit.Rendering;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Campaigns;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

public sealed class CampaignListTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<string> SeedAsync()
    {
        var prefix = TestWorkspace.Unique("list");
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument
        {
            Campaigns =
            [
                TestWorkspace.Campaign($"{prefix}-b", auctionTimeoutMs: 900, floor: 2.5m) with { Name = $"Bravo {prefix}" },
                TestWorkspace.Campaign($"{prefix}-a", floor: 7m) with { Name = $"Alpha {prefix}", Active = false, Fields = [new() { Name = "email", Type = FieldTypes.Email }] },
                TestWorkspace.Campaign($"{prefix}-c", floor: 1m) with { Name = $"Charlie {prefix}" },
            ],
        }, "seed"));
        return prefix;
    }

    private static List<string> Keys(IRenderedComponent<ContainerFragment> cut) =>
        cut.FindAll("#campaign-table tbody tr").Select(r => r.QuerySelector("code")!.TextContent).ToList();

    [Fact]
    public async Task Lists_campaigns_with_status_floor_timeout_and_field_count_and_finds_them_by_search()
    {
        var prefix = await SeedAsync();

        var cut = RenderPage<CampaignList>();
        cut.Find("input#campaign-search").Input(prefix);

        cut.WaitForAssertion(() => Assert.Equal([$"{prefix}-a", $"{prefix}-b", $"{prefix}-c"], Keys(cut)), PortalKit.Wait);
        var rows = cut.FindAll("#campaign-table tbody tr");
        Assert.Contains("Alpha", rows[0].TextContent);
        Assert.Contains("inactive", rows[0].TextContent);
        Assert.Contains("7.00", rows[0].TextContent);
        Assert.Equal("1", rows[0].Children.Last().TextContent.Trim());
        Assert.Contains("Bravo", rows[1].TextContent);
        Assert.Contains("active", rows[1].TextContent);
        Assert.Contains("2.50", rows[1].TextContent);
        Assert.Contains("900 ms", rows[1].TextContent);
        Assert.Equal("9", rows[1].Children.Last().TextContent.Trim());

        cut.Find("input#campaign-search").Input($"charlie {prefix}");
        cut.WaitForAssertion(() => Assert.Equal([$"{prefix}-c"], Keys(cut)), PortalKit.Wait);
    }

    [Fact]
    public async Task Sorts_by_floor_when_its_header_is_clicked()
    {
        var prefix = await SeedAsync();
        var cut = RenderPage<CampaignList>();
        cut.Find("input#campaign-search").Input(prefix);
        cut.WaitForAssertion(() => Assert.Equal(3, Keys(cut).Count), PortalKit.Wait);

        cut.FindAll("#campaign-table thead .mud-table-sort-label").Single(l => l.TextContent.Contains("Floor")).Click();

        cut.WaitForAssertion(() => Assert.Equal([$"{prefix}-c", $"{prefix}-b", $"{prefix}-a"], Keys(cut)), PortalKit.Wait);
    }

    [Fact]
    public async Task Clicking_a_row_opens_the_campaign()
    {
        var prefix = await SeedAsync();
        var cut = RenderPage<CampaignList>();
        cut.Find("input#campaign-search").Input(prefix);
        cut.WaitForAssertion(() => Assert.Equal(3, Keys(cut).Count), PortalKit.Wait);

        cut.FindAll("#campaign-table tbody tr")[1].Click();

        // The table's row click runs asynchronously: the navigation may land just after Click returns.
        cut.WaitForAssertion(() => Assert.EndsWith($"/campaigns/{prefix}-b", Services.GetRequiredService<NavigationManager>().Uri), PortalKit.Wait);
    }

    [Fact]
    public void A_manager_gets_the_new_campaign_button()
    {
        var cut = RenderPage<CampaignList>();
        Assert.Single(cut.FindAll("#campaign-new"));
    }

    [Fact]
    public async Task A_viewer_sees_the_campaigns_but_no_new_campaign_button()
    {
        var prefix = await SeedAsync();
        SignInAs(Roles.Viewer);

        var cut = RenderPage<CampaignList>();
        cut.Find("input#campaign-search").Input(prefix);

        cut.WaitForAssertion(() => Assert.Equal(3, Keys(cut).Count), PortalKit.Wait);
        Assert.Empty(cut.FindAll("#campaign-new"));
    }
}
