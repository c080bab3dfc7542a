using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bunit;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Buyers;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

public sealed class BuyerEditorTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<(string Campaign, BuyerConfig Buyer)> SetUpAsync()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("camp"));
        var buyer = TestWorkspace.Buyer(TestWorkspace.Unique("buyer"),
            TestWorkspace.PingPost(TestWorkspace.Unique("ct"), campaign.Key, "https://buyer.example/ping", "https://buyer.example/post") with { MinBid = 8 },
            TestWorkspace.DirectPost(TestWorkspace.Unique("ct"), campaign.Key, "https://buyer.example/post", 4.5m) with { Active = false }) with
        {
            Name = "Acme Insurance",
            Segments = ["insurance", "west"],
            Caps = new CapsConfig { Daily = 500, DailyBudget = 1500 },
        };
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [campaign], Buyers = [buyer] }, "setup"));
        return (campaign.Key, buyer);
    }

    private async Task<List<AuditRow>> AuditOfAsync(string key)
    {
        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        return await db.Audit.Where(a => a.EntityKey == key).OrderBy(a => a.Id).ToListAsync();
    }

    [Fact]
    public async Task Shows_the_buyer_with_segments_caps_and_its_contracts()
    {
        var (campaign, buyer) = await SetUpAsync();

        var cut = RenderPage<BuyerEditor>(("Key", buyer.Key));

        cut.WaitForAssertion(() => Assert.Equal("Acme Insurance", cut.Find("#buyer-name").GetAttribute("value")));
        Assert.Equal(buyer.Key, cut.Find("#buyer-key").GetAttribute("value"));
        Assert.True(cut.Find("#buyer-key").HasAttribute("readonly"));
        Assert.Contains("insurance", cut.Find("#buyer-segments").TextContent);
        Assert.Contains("west", cut.Find("#buyer-segments").TextContent);
        Assert.Equal("500", cut.Find("#buyer-caps-daily").GetAttribute("value"));

        var rows = cut.FindAll("#contracts-table tbody tr");
        Assert.Equal(2, rows.Count);
        var pingPost = rows.Single(r => r.TextContent.Contains(buyer.Contracts[0].Key));
        Assert.Contains(campaign, pingPost.TextContent);
        Assert.Contains("bids ≥ 8.00", pingPost.TextContent);
        Assert.Equal("Receiving", cut.Find($"#status-{buyer.Contracts[0].Key}").GetAttribute("data-state"));
        Assert.Equal("ContractPaused", cut.Find($"#status-{buyer.Contracts[1].Key}").GetAttribute("data-state"));
        Assert.NotEmpty(cut.FindAll($"#contract-pause-{buyer.Contracts[0].Key}"));
        Assert.NotEmpty(cut.FindAll($"#contract-resume-{buyer.Contracts[1].Key}"));
    }

    [Fact]
    public async Task A_paused_buyers_active_contracts_show_buyer_paused_with_who_and_why_never_receiving()
    {
        var (_, buyer) = await SetUpAsync();
        await Host.Workspace().BulkEditAsync("buyer", [buyer.Key], new BulkEdit(BulkActions.Pause, Reason: "invoice overdue"), "ana@leadhub.test");

        var cut = RenderPage<BuyerEditor>(("Key", buyer.Key));

        cut.WaitForAssertion(() => Assert.Equal("BuyerPaused", cut.Find($"#status-{buyer.Contracts[0].Key}").GetAttribute("data-state")));
        var status = cut.Find($"#status-{buyer.Contracts[0].Key}").TextContent;
        Assert.Contains("Buyer paused by ana@leadhub.test", status);
        Assert.Contains("invoice overdue", status);
        Assert.DoesNotContain("Receiving", status);
        Assert.Contains("Paused by ana@leadhub.test", cut.Find("#buyer-status").TextContent);
        Assert.NotEmpty(cut.FindAll("#buyer-resume"));
    }

    [Fact]
    public async Task Creates_a_buyer_with_segments_and_caps_and_audits_who()
    {
        var key = TestWorkspace.Unique("new-buyer");
        var cut = RenderPage<BuyerEditor>();
        cut.WaitForAssertion(() => cut.Find("#buyer-save"));
        Assert.Empty(cut.FindAll("#contract-new"));

        cut.Type("buyer-key", key);
        cut.Type("buyer-name", "Blue Sky Leads");
        cut.AddChip("buyer-segments", "solar");
        cut.AddChip("buyer-segments", "east");
        cut.Type("buyer-caps-daily", "250");
        cut.Type("buyer-caps-budget", "900");
        cut.Find("#buyer-save").Click();

        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.EndsWith($"/buyers/{key}", navigation.Uri));
        var saved = (await Host.ExportedBuyerAsync(key))!;
        Assert.Equal("Blue Sky Leads", saved.Name);
        Assert.True(saved.Active);
        Assert.Equal(["solar", "east"], saved.Segments);
        Assert.Equal(new CapsConfig { Daily = 250, DailyBudget = 900 }, saved.Caps);
        var create = Assert.Single(await AuditOfAsync(key));
        Assert.Equal(("create", "buyer", "manager@leadhub.test"), (create.Action, create.EntityType, create.Actor));
    }

    [Fact]
    public async Task A_bad_key_is_shown_next_to_the_key_and_nothing_is_saved()
    {
        var cut = RenderPage<BuyerEditor>();
        cut.WaitForAssertion(() => cut.Find("#buyer-save"));

        cut.Type("buyer-key", "Not A Slug!");
        cut.Type("buyer-name", "Whoever");
        cut.Find("#buyer-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Use lower-case letters, digits and dashes", cut.FieldText("buyer-key")));
        Assert.Equal("Not A Slug!", cut.Find("#buyer-key").GetAttribute("value"));
        Assert.DoesNotContain((await Host.Workspace().ExportAsync()).Buyers, b => b.Name == "Whoever");
    }

    [Fact]
    public async Task Pausing_a_contract_takes_it_out_of_routing_so_the_next_lead_does_not_ping_it()
    {
        await using var loopback = await LoopbackBuyers.StartAsync();
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("camp"), auctionTimeoutMs: 2000);
        var (paused, other) = (TestWorkspace.Unique("paused"), TestWorkspace.Unique("other"));
        foreach (var name in new[] { paused, other })
            loopback.Set(name, new BuyerBehaviour { Ping = BuyerAnswer.Bid(name == paused ? 20 : 10), Post = BuyerAnswer.Accept() });
        var pausedContract = TestWorkspace.PingPost(paused + "-c", campaign.Key, loopback.PingUrl(paused), loopback.PostUrl(paused), timeoutMs: 1000);
        var otherContract = TestWorkspace.PingPost(other + "-c", campaign.Key, loopback.PingUrl(other), loopback.PostUrl(other), timeoutMs: 1000);
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers = [TestWorkspace.Buyer(paused, pausedContract), TestWorkspace.Buyer(other, otherContract)],
        }, "setup"));
        var snapshots = Host.Services.GetRequiredService<RoutingSnapshotHolder>();
        Assert.Contains(snapshots.Current.Campaigns[campaign.Key].Tiers.SelectMany(t => t.Contracts), c => c.Key == pausedContract.Key);

        var cut = RenderPage<BuyerEditor>(("Key", paused));
        cut.WaitForAssertion(() => cut.Find($"#contract-pause-{pausedContract.Key}"));
        cut.Find($"#contract-pause-{pausedContract.Key}").Click();
        cut.PauseWithReason("buyer asked for a break");

        cut.WaitForAssertion(() => Assert.DoesNotContain(snapshots.Current.Campaigns[campaign.Key].Tiers.SelectMany(t => t.Contracts),
            c => c.Key == pausedContract.Key));
        Assert.Contains(snapshots.Current.Campaigns[campaign.Key].Tiers.SelectMany(t => t.Contracts), c => c.Key == otherContract.Key);
        cut.WaitForAssertion(() => Assert.Contains("buyer asked for a break", cut.Find($"#status-{pausedContract.Key}").TextContent + cut.Markup));
        cut.WaitForAssertion(() => cut.Find($"#contract-resume-{pausedContract.Key}"));
        Assert.Contains(await AuditOfAsync(pausedContract.Key), a => a.Action == "pause" && a.Actor == "manager@leadhub.test");

        using var publisher = Host.Publisher(apiKey);
        var response = await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign.Key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Empty(loopback.CallsTo(paused, "ping"));
        Assert.Single(loopback.CallsTo(other, "ping"));
    }

    [Fact]
    public async Task A_viewer_sees_no_edit_controls_and_its_handlers_change_nothing()
    {
        var (_, buyer) = await SetUpAsync();
        SignInAs(Roles.Viewer);
        var cut = RenderPage<BuyerEditor>(("Key", buyer.Key));
        cut.WaitForAssertion(() => Assert.Equal("Acme Insurance", cut.Find("#buyer-name").GetAttribute("value")));

        foreach (var id in new[] { "buyer-save", "buyer-delete", "contract-new", "buyer-segments-add" })
            Assert.Empty(cut.FindAll($"#{id}"));
        Assert.Empty(cut.FindAll($"#contract-pause-{buyer.Contracts[0].Key}"));
        Assert.Empty(cut.FindAll("#buyer-pause"));

        // A crafted event still reaches the server: it is refused there.
        var page = cut.FindComponent<BuyerEditor>().Instance;
        await cut.InvokeAsync(() => page.SetContractActiveAsync(buyer.Contracts[0].Key, false));
        await cut.InvokeAsync(page.SaveAsync);
        await cut.InvokeAsync(page.DeleteAsync);
        await cut.InvokeAsync(page.DeactivateAsync);

        var stored = (await Host.ExportedBuyerAsync(buyer.Key))!;
        Assert.True(stored.Active);
        Assert.True(stored.Contracts.Single(c => c.Key == buyer.Contracts[0].Key).Active);
        Assert.DoesNotContain(await AuditOfAsync(buyer.Key), a => a.Actor == "viewer@leadhub.test");
        Assert.DoesNotContain(await AuditOfAsync(buyer.Contracts[0].Key), a => a.Actor == "viewer@leadhub.test");
        cut.WaitForAssertion(() => Assert.Contains("Your role may not change configuration.", cut.Markup));
    }

    [Fact]
    public async Task Deleting_a_buyer_that_bought_leads_is_refused_with_the_reason_and_offers_to_deactivate()
    {
        var (campaign, buyer) = await SetUpAsync();
        await using (var db = await Host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync())
        {
            db.Leads.Add(new LeadRow
            {
                Id = Guid.NewGuid(), CampaignKey = campaign, PublisherKey = "pub", Status = LeadStatus.Sold, BuyerKey = buyer.Key,
                ContractKey = buyer.Contracts[0].Key, Price = 10, ReceivedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        var cut = RenderPage<BuyerEditor>(("Key", buyer.Key));
        cut.WaitForAssertion(() => cut.Find("#buyer-delete"));

        cut.Find("#buyer-delete").Click();
        cut.Confirm("Delete");

        cut.WaitForAssertion(() => Assert.Contains("it has bought leads", cut.Find("#buyer-delete-refusal").TextContent));
        Assert.NotNull(await Host.ExportedBuyerAsync(buyer.Key));

        cut.Find("#buyer-deactivate").Click();
        cut.PauseWithReason("stopped buying");
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("#buyer-delete-refusal")));
        Assert.False((await Host.ExportedBuyerAsync(buyer.Key))!.Active);
        Assert.Contains(await AuditOfAsync(buyer.Key), a => a.Action == "pause" && a.Actor == "manager@leadhub.test");
    }

    [Fact]
    public async Task Deleting_a_buyer_without_leads_removes_it_and_its_contracts()
    {
        var (_, buyer) = await SetUpAsync();
        var cut = RenderPage<BuyerEditor>(("Key", buyer.Key));
        cut.WaitForAssertion(() => cut.Find("#buyer-delete"));

        cut.Find("#buyer-delete").Click();
        cut.Confirm("Delete");

        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.EndsWith("/buyers", navigation.Uri));
        var doc = await Host.Workspace().ExportAsync();
        Assert.DoesNotContain(doc.Buyers, b => b.Key == buyer.Key);
        Assert.DoesNotContain(doc.Buyers.SelectMany(b => b.Contracts), c => buyer.Contracts.Any(x => x.Key == c.Key));
    }
}
