using Bunit;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Buyers;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

// The contracts page: every contract's status, and bulk pause / resume / floor / caps with a
// confirmation that shows what will change.
public sealed class ContractListTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<(string Tag, string Buyer, string[] Keys)> SetUpAsync()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("camp"));
        var tag = TestWorkspace.Unique("bulk");
        var keys = new[] { $"{tag}-a", $"{tag}-b", $"{tag}-c", $"{tag}-d" };
        var buyer = TestWorkspace.Buyer($"{tag}-buyer",
            TestWorkspace.PingPost(keys[0], campaign.Key, "https://b.example/ping", "https://b.example/post") with { MinBid = 3 },
            TestWorkspace.PingPost(keys[1], campaign.Key, "https://b.example/ping", "https://b.example/post"),
            TestWorkspace.DirectPost(keys[2], campaign.Key, "https://b.example/post", 9m),
            TestWorkspace.PingPost(keys[3], campaign.Key, "https://b.example/ping", "https://b.example/post"));
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [campaign], Buyers = [buyer] }, "setup"));
        return (tag, buyer.Key, keys);
    }

    private IRenderedComponent<Bunit.Rendering.ContainerFragment> Render(string tag)
    {
        var cut = RenderPage<ContractList>();
        cut.WaitForAssertion(() => cut.Find("input#contracts-search"));
        cut.Find("input#contracts-search").Input(tag);
        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("#contracts-list tbody tr").Count));
        return cut;
    }

    // MudCheckBox puts the id on its input or around it, depending on the version.
    private static void Check(IRenderedComponent<Bunit.Rendering.ContainerFragment> cut, string id)
    {
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll($"input#{id}, #{id} input")));
        cut.FindAll($"input#{id}, #{id} input").First().Change(true);
    }

    [Fact]
    public async Task Each_contract_shows_the_odds_expected_value_ranking_multiplies_its_bids_by()
    {
        var (tag, _, keys) = await SetUpAsync();
        var rejects = Host.Services.GetRequiredService<LeadHub.Core.Routing.RecentRejects>();
        for (var i = 0; i < 10; i++) rejects.Record(keys[0], rejected: true);
        Host.Services.GetRequiredService<LeadHub.Core.Routing.ContractOdds>()
            .PublishReturns(new Dictionary<string, (int Sold, int Returned)> { [keys[0]] = (100, 40) });

        var cut = Render(tag);

        // (0 + 8.1) / (10 + 9) = 43 % accepted; 1 − (40 + 1) / (100 + 20) = 66 % kept; 0.43 × 0.66 = 0.28.
        Assert.Equal("0.28 × bid 43% accepted · 66% kept", Text(cut.Find($"#odds-{keys[0]}").TextContent));
        Assert.Contains("90% accepted · 95% kept", Text(cut.Find($"#odds-{keys[1]}").TextContent));   // no history yet: the prior
    }

    private static string Text(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public async Task Bulk_pause_shows_what_will_change_needs_a_reason_and_audits_each_contract()
    {
        var (tag, buyer, keys) = await SetUpAsync();
        var cut = Render(tag);
        foreach (var key in keys[..3]) Check(cut, $"select-{key}");
        cut.WaitForAssertion(() => Assert.Equal("3 selected", cut.Find("#contracts-selected").TextContent.Trim()));

        cut.Find("#bulk-pause").Click();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("#bulk-preview tbody tr").Count));
        Assert.All(cut.FindAll("#bulk-preview tbody tr"), r => Assert.Contains("Receiving", r.TextContent));
        Assert.True(cut.Find("#bulk-confirm").HasAttribute("disabled"));
        Assert.Contains("Say why", cut.Find("#bulk-error").TextContent);
        cut.PauseWithReason("end of month budget");

        cut.WaitForAssertion(() => Assert.Contains("3 contracts paused", cut.Markup));
        var stored = (await Host.ExportedBuyerAsync(buyer))!.Contracts.ToDictionary(c => c.Key);
        foreach (var key in keys[..3])
        {
            Assert.False(stored[key].Active);
            Assert.Equal(("manager@leadhub.test", "end of month budget"), (stored[key].Paused!.By, stored[key].Paused!.Reason));
            var pause = Assert.Single(await Host.AuditAsync(key), a => a.Action == "pause");
            Assert.Equal("manager@leadhub.test", pause.Actor);
            cut.WaitForAssertion(() => Assert.Contains("Paused by manager@leadhub.test", cut.Find($"#status-{key}").TextContent));
            Assert.Contains("end of month budget", cut.Find($"#status-{key}").TextContent);
        }
        Assert.True(stored[keys[3]].Active);
        Assert.Equal("Receiving", cut.Find($"#status-{keys[3]}").GetAttribute("data-state"));
        Assert.DoesNotContain(await Host.AuditAsync(keys[3]), a => a.Action == "pause");
    }

    [Fact]
    public async Task Bulk_floor_previews_before_and_after_and_leaves_direct_post_contracts_unchanged()
    {
        var (tag, buyer, keys) = await SetUpAsync();
        var cut = Render(tag);
        foreach (var key in keys[..3]) Check(cut, $"select-{key}");

        cut.Find("#bulk-min-bid-open").Click();
        cut.WaitForAssertion(() => cut.Find("#bulk-min-bid"));
        cut.Find("#bulk-min-bid").Input("6.5");
        cut.WaitForAssertion(() =>
        {
            var rows = cut.FindAll("#bulk-preview tbody tr").ToDictionary(r => r.GetAttribute("data-key")!, r => r.TextContent);
            Assert.Contains("bids ≥ 3.00", rows[keys[0]]);
            Assert.Contains("bids ≥ 6.50", rows[keys[0]]);
            Assert.Contains("any bid", rows[keys[1]]);
            Assert.Contains("unchanged", rows[keys[2]]);
        });
        cut.ConfirmBulk();

        cut.WaitForAssertion(() => Assert.Contains("2 contracts given the new floor", cut.Markup));
        var stored = (await Host.ExportedBuyerAsync(buyer))!.Contracts.ToDictionary(c => c.Key);
        Assert.Equal([6.5m, 6.5m, null, null], keys.Select(k => stored[k].MinBid));
        Assert.Single(await Host.AuditAsync(keys[0]), a => a.Action == "set min bid");
        Assert.DoesNotContain(await Host.AuditAsync(keys[2]), a => a.Action == "set min bid");
    }

    [Fact]
    public async Task Bulk_caps_replace_the_caps_of_the_selected_contracts_and_show_their_usage()
    {
        var (tag, buyer, keys) = await SetUpAsync();
        var cut = Render(tag);
        Check(cut, $"select-{keys[1]}");
        Check(cut, $"select-{keys[3]}");

        cut.Find("#bulk-caps-open").Click();
        cut.WaitForAssertion(() => cut.Find("#bulk-caps-daily"));
        cut.Find("#bulk-caps-daily").Change("2000");
        cut.WaitForAssertion(() => Assert.All(cut.FindAll("#bulk-preview tbody tr"), r => Assert.Contains("daily 2,000", r.TextContent)));
        cut.ConfirmBulk();

        cut.WaitForAssertion(() => Assert.Contains("cap 0 of 2,000 today", cut.Find($"#status-{keys[1]}").TextContent));
        var stored = (await Host.ExportedBuyerAsync(buyer))!.Contracts.ToDictionary(c => c.Key);
        Assert.Equal(new CapsConfig { Daily = 2000 }, stored[keys[3]].Caps);
        Assert.Null(stored[keys[0]].Caps);
    }

    [Fact]
    public async Task A_viewer_gets_no_bulk_controls_and_a_crafted_bulk_call_is_refused()
    {
        var (tag, buyer, keys) = await SetUpAsync();
        SignInAs(Roles.Viewer);
        var cut = Render(tag);

        Assert.Empty(cut.FindAll("#bulk-pause"));
        Assert.Empty(cut.FindAll($"#select-{keys[0]}"));
        var page = cut.FindComponent<ContractList>().Instance;
        await cut.InvokeAsync(() => page.BulkAsync(LeadHub.Core.Workspace.BulkActions.Pause));

        cut.WaitForAssertion(() => Assert.Contains("Your role may not change configuration.", cut.Markup));
        Assert.All((await Host.ExportedBuyerAsync(buyer))!.Contracts, c => Assert.True(c.Active));
    }
}
