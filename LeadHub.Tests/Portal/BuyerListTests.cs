using Bunit;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Buyers;

namespace LeadHub.Tests.Portal;

public sealed class BuyerListTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<string> SetUpAsync(string prefix)
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("camp"));
        var tag = TestWorkspace.Unique(prefix);
        BuyerConfig Buyer(string name, bool active, params ContractConfig[] contracts) =>
            TestWorkspace.Buyer($"{tag}-{name}", contracts) with { Name = $"{name} buyer", Active = active, Segments = [tag, "west"] };
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Buyers =
            [
                Buyer("alpha", true,
                    TestWorkspace.PingPost($"{tag}-alpha-1", campaign.Key, "https://a.example/ping", "https://a.example/post"),
                    TestWorkspace.PingPost($"{tag}-alpha-2", campaign.Key, "https://a.example/ping", "https://a.example/post") with { Active = false })
                    with { Caps = new CapsConfig { Daily = 500, DailyBudget = 1500 } },
                Buyer("beta", false),
            ],
        }, "setup"));
        return tag;
    }

    [Fact]
    public async Task Lists_buyers_with_status_segments_contract_counts_caps_and_health()
    {
        var tag = await SetUpAsync("list");
        var cut = RenderPage<BuyerList>();
        cut.Find("input#buyers-search").Input(tag);

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("#buyers-table tbody tr").Count));
        var rows = cut.FindAll("#buyers-table tbody tr");
        var alpha = rows[0].TextContent;
        Assert.Contains($"{tag}-alpha", alpha);
        Assert.Contains("alpha buyer", alpha);
        Assert.Contains("Receiving (1 of 2 contracts)", alpha);
        Assert.Contains(tag, alpha);
        Assert.Contains("west", alpha);
        Assert.Contains("1 / 2", alpha);
        Assert.Contains("budget $0.00 of $1,500.00 today", alpha);
        Assert.Contains("cap 0 of 500 today", alpha);
        var beta = rows[1].TextContent;
        Assert.Contains("Paused by setup", beta);
        Assert.Contains("0 / 0", beta);
        Assert.NotEmpty(cut.FindAll("#buyer-new"));
    }

    [Fact]
    public async Task Sorts_by_name_descending()
    {
        var tag = await SetUpAsync("sort");
        var cut = RenderPage<BuyerList>();
        cut.Find("input#buyers-search").Input(tag);
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("#buyers-table tbody tr").Count));

        var nameHeader = cut.FindAll("#buyers-table th .mud-table-sort-label").Single(h => h.TextContent.Contains("Name"));
        nameHeader.Click();
        nameHeader = cut.FindAll("#buyers-table th .mud-table-sort-label").Single(h => h.TextContent.Contains("Name"));
        nameHeader.Click();

        cut.WaitForAssertion(() => Assert.Contains("beta buyer", cut.FindAll("#buyers-table tbody tr")[0].TextContent));
    }

    [Fact]
    public async Task A_viewer_sees_the_list_without_the_new_buyer_button()
    {
        var tag = await SetUpAsync("viewer");
        SignInAs(Roles.Viewer);
        var cut = RenderPage<BuyerList>();
        cut.Find("input#buyers-search").Input(tag);

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("#buyers-table tbody tr").Count));
        Assert.Empty(cut.FindAll("#buyer-new"));
    }

    [Fact]
    public async Task Selected_buyers_are_paused_at_once_with_a_reason_shown_in_their_status()
    {
        var tag = await SetUpAsync("bulk");
        var cut = RenderPage<BuyerList>();
        cut.Find("input#buyers-search").Input(tag);
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("#buyers-table tbody tr").Count));

        foreach (var key in new[] { $"{tag}-alpha", $"{tag}-beta" })
            cut.FindAll($"input#select-buyer-{key}, #select-buyer-{key} input").First().Change(true);
        cut.Find("#buyers-bulk-pause").Click();
        cut.WaitForAssertion(() => Assert.Contains("unchanged", cut.Find($"#bulk-preview tr[data-key='{tag}-beta']").TextContent));
        cut.PauseWithReason("fraud check");

        cut.WaitForAssertion(() => Assert.Contains("1 buyer paused; 1 already as asked", cut.Markup));
        cut.WaitForAssertion(() => Assert.Contains("Paused by manager@leadhub.test", cut.Find($"#buyer-status-{tag}-alpha").TextContent));
        Assert.Contains("fraud check", cut.Find($"#buyer-status-{tag}-alpha").TextContent);
        Assert.False((await Host.ExportedBuyerAsync($"{tag}-alpha"))!.Active);
        Assert.Single(await Host.AuditAsync($"{tag}-alpha"), a => a.Action == "pause" && a.Actor == "manager@leadhub.test");
        Assert.DoesNotContain(await Host.AuditAsync($"{tag}-beta"), a => a.Action == "pause");
    }
}
