using Bunit;
using Bunit.Rendering;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Publishers;

namespace LeadHub.Tests.Portal;

public sealed class PublisherListTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<string> SeedAsync()
    {
        var prefix = TestWorkspace.Unique("plist");
        var campaign = $"{prefix}-camp";
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument
        {
            Campaigns = [TestWorkspace.Campaign(campaign)],
            Publishers =
            [
                TestWorkspace.Publisher($"{prefix}-a", $"key-{Guid.NewGuid():N}", campaign) with { RateLimitPerSecond = 5 },
                TestWorkspace.Publisher($"{prefix}-b", null!) with
                {
                    Active = false, Payout = new PayoutConfig { Model = PayoutModels.Fixed, Percent = null, Amount = 2.5m },
                },
            ],
        }, "seed"));
        return prefix;
    }

    private static List<string> Keys(IRenderedComponent<ContainerFragment> cut) =>
        cut.FindAll("#publisher-table tbody tr").Select(r => r.QuerySelector("code")!.TextContent).ToList();

    [Fact]
    public async Task Lists_publishers_with_campaigns_payout_rate_limit_and_key_state()
    {
        var prefix = await SeedAsync();

        var cut = RenderPage<PublisherList>();
        cut.Find("input#publisher-search").Input(prefix);

        cut.WaitForAssertion(() => Assert.Equal([$"{prefix}-a", $"{prefix}-b"], Keys(cut)), PortalKit.Wait);
        var rows = cut.FindAll("#publisher-table tbody tr");
        Assert.Contains($"{prefix}-camp", rows[0].TextContent);
        Assert.Contains("70% revshare", rows[0].TextContent);
        Assert.Contains("5/s", rows[0].TextContent);
        Assert.Contains("set", rows[0].Children.Last().TextContent);
        Assert.Contains("inactive", rows[1].TextContent);
        Assert.Contains("$2.50 per lead", rows[1].TextContent);
        Assert.Contains("none", rows[1].Children.Last().TextContent);
        Assert.Single(cut.FindAll("#publisher-new"));
    }

    [Fact]
    public async Task Sorting_by_key_descending_reverses_the_list()
    {
        var prefix = await SeedAsync();
        var cut = RenderPage<PublisherList>();
        cut.Find("input#publisher-search").Input(prefix);
        cut.WaitForAssertion(() => Assert.Equal(2, Keys(cut).Count), PortalKit.Wait);

        cut.FindAll("#publisher-table thead .mud-table-sort-label").Single(l => l.TextContent.Contains("Key")).Click();

        cut.WaitForAssertion(() => Assert.Equal([$"{prefix}-b", $"{prefix}-a"], Keys(cut)), PortalKit.Wait);
    }

    [Fact]
    public async Task A_viewer_sees_the_publishers_but_no_new_publisher_button()
    {
        var prefix = await SeedAsync();
        SignInAs(Roles.Viewer);

        var cut = RenderPage<PublisherList>();
        cut.Find("input#publisher-search").Input(prefix);

        cut.WaitForAssertion(() => Assert.Equal(2, Keys(cut).Count), PortalKit.Wait);
        Assert.Empty(cut.FindAll("#publisher-new"));
    }
}
