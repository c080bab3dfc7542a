using System.Text.Json;
using Bunit;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Buyers;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

public sealed class ContractEditorTests(LeadHubFactory host) : PortalTestContext(host)
{
    private static JsonElement J(object value) => JsonSerializer.SerializeToElement(value);

    // A campaign and a buyer with one ping-post contract filtered on state, scheduled and capped.
    private async Task<(string Campaign, string Buyer, string Contract)> SetUpAsync()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("camp"));
        var buyer = TestWorkspace.Unique("buyer");
        var contract = TestWorkspace.PingPost(TestWorkspace.Unique("ct"), campaign.Key, "https://buyer.example/ping", "https://buyer.example/post") with
        {
            MinBid = 8,
            Filters = [new FilterConfig { Field = "state", Op = FilterOps.In, Value = J(new[] { "CA", "NV" }) },
                       new FilterConfig { Field = "age", Op = FilterOps.Between, Value = J(new[] { 30, 50 }) }],
            Caps = new CapsConfig { Daily = 100 },
            Schedule = new ScheduleConfig { TimeZone = "America/Los_Angeles", Days = ["mon", "tue"], Start = "08:00", End = "20:00" },
        };
        var errors = await Host.Workspace().ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Buyers = [TestWorkspace.Buyer(buyer, contract)],
        }, "setup");
        Assert.Empty(errors);
        return (campaign.Key, buyer, contract.Key);
    }

    private async Task<List<AuditRow>> AuditOfAsync(string key)
    {
        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        return await db.Audit.Where(a => a.EntityKey == key).OrderBy(a => a.Id).ToListAsync();
    }

    [Fact]
    public async Task Shows_an_existing_contract_with_its_filters_schedule_and_caps()
    {
        var (campaign, buyer, contract) = await SetUpAsync();

        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));

        cut.WaitForAssertion(() => Assert.Equal(contract, cut.Find("#contract-key").GetAttribute("value")));
        Assert.Contains(campaign, cut.Find("#contract-campaign").Closest(".mud-select")!.TextContent + cut.Find("#contract-campaign").GetAttribute("value"));
        Assert.Equal("https://buyer.example/ping", cut.Find("#contract-ping-url").GetAttribute("value"));
        Assert.Empty(cut.FindAll("#contract-price"));
        Assert.Equal("8", cut.Find("#contract-min-bid").GetAttribute("value"));
        Assert.Equal("100", cut.Find("#contract-caps-daily").GetAttribute("value"));
        Assert.Equal("America/Los_Angeles", cut.Find("#schedule-timezone").GetAttribute("value"));
        Assert.Equal("true", cut.Find("#schedule-day-mon").GetAttribute("aria-checked"));
        Assert.Equal("false", cut.Find("#schedule-day-wed").GetAttribute("aria-checked"));
        Assert.Contains("CA", cut.Find("#filter-value-0").TextContent);
        Assert.Contains("NV", cut.Find("#filter-value-0").TextContent);
        Assert.Equal("30", cut.Find("#filter-min-1").GetAttribute("value"));
        Assert.Equal("50", cut.Find("#filter-max-1").GetAttribute("value"));
        Assert.NotNull(cut.Find("#contract-format"));
    }

    [Fact]
    public async Task Creates_a_contract_whose_in_and_between_filters_keep_their_json_kinds_and_audits_who()
    {
        var (campaign, buyer, _) = await SetUpAsync();
        var key = TestWorkspace.Unique("new-ct");
        var cut = RenderPage<ContractEditor>(("Key", buyer));
        cut.WaitForAssertion(() => cut.Find("#contract-save"));

        cut.Type("contract-key", key);
        cut.Pick("contract-campaign", $"{campaign} ({campaign})");
        cut.Type("contract-ping-url", "https://buyer.example/ping");
        cut.Type("contract-post-url", "https://buyer.example/post");
        cut.Type("contract-min-bid", "7.5");

        cut.Find("#filter-add").Click();
        cut.Pick("filter-field-0", "state");
        cut.Pick("filter-op-0", "is one of");
        cut.AddChip("filter-value-0", "CA");
        cut.AddChip("filter-value-0", "NV");

        cut.Find("#filter-add").Click();
        cut.Pick("filter-field-1", "age");
        cut.Pick("filter-op-1", "is between");
        cut.Type("filter-min-1", "30");
        cut.Type("filter-max-1", "50");

        cut.Find("#filter-add").Click();
        cut.Pick("filter-field-2", "homeowner");
        cut.Pick("filter-bool-2", "true");

        cut.Find("#schedule-enabled").Change(true);
        cut.Find("#schedule-day-sat").Click();
        cut.Type("schedule-start", "09:30");

        cut.Find("#contract-save").Click();

        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.EndsWith($"/buyers/{buyer}", navigation.Uri));
        var saved = (await Host.ExportedBuyerAsync(buyer))!.Contracts.Single(c => c.Key == key);
        Assert.Equal(campaign, saved.Campaign);
        Assert.Equal(ContractModes.PingPost, saved.Mode);
        Assert.Equal(7.5m, saved.MinBid);
        Assert.Null(saved.Price);

        Assert.Equal(3, saved.Filters.Count);
        Assert.Equal(("state", FilterOps.In), (saved.Filters[0].Field, saved.Filters[0].Op));
        var states = saved.Filters[0].Value!.Value;
        Assert.Equal(JsonValueKind.Array, states.ValueKind);
        Assert.All(states.EnumerateArray(), e => Assert.Equal(JsonValueKind.String, e.ValueKind));
        Assert.Equal(["CA", "NV"], states.EnumerateArray().Select(e => e.GetString()));

        Assert.Equal(("age", FilterOps.Between), (saved.Filters[1].Field, saved.Filters[1].Op));
        var ages = saved.Filters[1].Value!.Value;
        Assert.Equal(JsonValueKind.Array, ages.ValueKind);
        Assert.All(ages.EnumerateArray(), e => Assert.Equal(JsonValueKind.Number, e.ValueKind));
        Assert.Equal([30m, 50m], ages.EnumerateArray().Select(e => e.GetDecimal()));

        Assert.Equal(JsonValueKind.True, saved.Filters[2].Value!.Value.ValueKind);

        Assert.NotNull(saved.Schedule);
        Assert.Equal(["mon", "tue", "wed", "thu", "fri", "sat"], saved.Schedule!.Days);
        Assert.Equal("09:30", saved.Schedule.Start);

        var audit = await AuditOfAsync(key);
        var create = Assert.Single(audit);
        Assert.Equal(("create", "contract", "manager@leadhub.test"), (create.Action, create.EntityType, create.Actor));
    }

    [Fact]
    public async Task A_bad_regex_filter_shows_the_validators_message_on_its_row_and_saves_nothing()
    {
        var (_, buyer, contract) = await SetUpAsync();
        var auditBefore = (await AuditOfAsync(contract)).Count;
        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));
        cut.WaitForAssertion(() => cut.Find("#contract-save"));

        cut.Find("#filter-add").Click();
        cut.Pick("filter-field-2", "first_name");
        cut.Pick("filter-op-2", "matches the pattern");
        cut.Type("filter-text-2", "([");
        cut.Find("#contract-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("op 'regex' has an invalid pattern", cut.Find("#filter-error-2").TextContent));
        Assert.Contains("Filter 3", cut.Find("#contract-errors").TextContent);
        Assert.Empty(cut.FindAll("#filter-error-0"));
        // The input is kept as typed, to be fixed.
        Assert.Equal("([", cut.Find("#filter-text-2").GetAttribute("value"));
        Assert.Equal(3, cut.FindAll("[id^=filter-row-]").Count);

        var stored = (await Host.ExportedBuyerAsync(buyer))!.Contracts.Single(c => c.Key == contract);
        Assert.Equal(2, stored.Filters.Count);
        Assert.Equal(auditBefore, (await AuditOfAsync(contract)).Count);
    }

    [Fact]
    public async Task A_direct_post_contract_shows_price_not_ping_url_and_without_a_price_is_refused_next_to_the_price()
    {
        var (campaign, buyer, _) = await SetUpAsync();
        var key = TestWorkspace.Unique("direct");
        var cut = RenderPage<ContractEditor>(("Key", buyer));
        cut.WaitForAssertion(() => cut.Find("#contract-save"));
        Assert.NotEmpty(cut.FindAll("#contract-ping-url"));
        Assert.Empty(cut.FindAll("#contract-price"));

        cut.Type("contract-key", key);
        cut.Pick("contract-campaign", $"{campaign} ({campaign})");
        cut.Find("#contract-mode-direct-post").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("#contract-ping-url")));
        Assert.NotEmpty(cut.FindAll("#contract-price"));
        cut.Type("contract-post-url", "https://buyer.example/post");
        cut.Find("#contract-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("a direct-post contract needs a fixed price above 0", cut.FieldText("contract-price")));
        Assert.Equal(key, cut.Find("#contract-key").GetAttribute("value"));
        Assert.Equal("https://buyer.example/post", cut.Find("#contract-post-url").GetAttribute("value"));
        Assert.DoesNotContain((await Host.ExportedBuyerAsync(buyer))!.Contracts, c => c.Key == key);

        // Fixing the price saves it, as a direct-post contract without a ping URL.
        cut.Type("contract-price", "12.5");
        cut.Find("#contract-save").Click();
        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.EndsWith($"/buyers/{buyer}", navigation.Uri));
        var saved = (await Host.ExportedBuyerAsync(buyer))!.Contracts.Single(c => c.Key == key);
        Assert.Equal((ContractModes.DirectPost, 12.5m, (string?)null), (saved.Mode, saved.Price, saved.PingUrl));
    }

    [Fact]
    public async Task An_invalid_schedule_is_shown_in_the_schedule_section()
    {
        var (_, buyer, contract) = await SetUpAsync();
        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));
        cut.WaitForAssertion(() => cut.Find("#contract-save"));

        cut.Type("schedule-end", "25:00");
        cut.Find("#contract-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Until must be a time HH:mm between 00:00 and 24:00", cut.Find("#schedule-error").TextContent));
        Assert.Equal("20:00", (await Host.ExportedBuyerAsync(buyer))!.Contracts.Single(c => c.Key == contract).Schedule!.End);
    }

    [Fact]
    public async Task A_viewer_sees_no_edit_controls_and_its_handlers_change_nothing()
    {
        var (_, buyer, contract) = await SetUpAsync();
        SignInAs(Roles.Viewer);
        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));
        cut.WaitForAssertion(() => Assert.Equal(contract, cut.Find("#contract-key").GetAttribute("value")));

        foreach (var id in new[] { "contract-save", "contract-delete", "filter-add", "filter-remove-0", "filter-value-0-add" })
            Assert.Empty(cut.FindAll($"#{id}"));

        var page = cut.FindComponent<ContractEditor>().Instance;
        await cut.InvokeAsync(page.SaveAsync);
        await cut.InvokeAsync(page.DeleteAsync);
        await cut.InvokeAsync(page.DeactivateAsync);

        var stored = (await Host.ExportedBuyerAsync(buyer))!.Contracts.Single(c => c.Key == contract);
        Assert.True(stored.Active);
        Assert.DoesNotContain(await AuditOfAsync(contract), a => a.Actor == "viewer@leadhub.test");
        cut.WaitForAssertion(() => Assert.Contains("Your role may not change configuration.", cut.Markup));
    }

    [Fact]
    public async Task Deleting_a_contract_that_sold_leads_is_refused_with_the_reason_and_offers_to_deactivate()
    {
        var (campaign, buyer, contract) = await SetUpAsync();
        await using (var db = await Host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync())
        {
            db.Leads.Add(new LeadRow
            {
                Id = Guid.NewGuid(), CampaignKey = campaign, PublisherKey = "pub", Status = LeadStatus.Sold, BuyerKey = buyer, ContractKey = contract,
                Price = 10, ReceivedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));
        cut.WaitForAssertion(() => cut.Find("#contract-delete"));

        cut.Find("#contract-delete").Click();
        cut.Confirm("Delete");

        cut.WaitForAssertion(() => Assert.Contains("it has sold leads", cut.Find("#contract-delete-refusal").TextContent));
        Assert.Contains((await Host.ExportedBuyerAsync(buyer))!.Contracts, c => c.Key == contract);

        cut.Find("#contract-deactivate").Click();
        cut.PauseWithReason("stopped buying");
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("#contract-delete-refusal")));
        Assert.False((await Host.ExportedBuyerAsync(buyer))!.Contracts.Single(c => c.Key == contract).Active);
        Assert.Contains(await AuditOfAsync(contract), a => a.Action == "pause" && a.Actor == "manager@leadhub.test");
    }

    [Fact]
    public async Task Deleting_an_unused_contract_removes_it_after_confirmation()
    {
        var (_, buyer, contract) = await SetUpAsync();
        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));
        cut.WaitForAssertion(() => cut.Find("#contract-delete"));

        cut.Find("#contract-delete").Click();
        cut.Confirm("Delete");

        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.EndsWith($"/buyers/{buyer}", navigation.Uri));
        Assert.Empty((await Host.ExportedBuyerAsync(buyer))!.Contracts);
        Assert.Contains(await AuditOfAsync(contract), a => a.Action == "delete" && a.Actor == "manager@leadhub.test");
    }

    [Fact]
    public async Task Buyer_url_credentials_are_shown_masked_and_saving_keeps_them()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("camp"));
        var buyer = TestWorkspace.Unique("buyer");
        var contract = TestWorkspace.PingPost(TestWorkspace.Unique("ct"), campaign.Key, "https://acme:hunter22@buyer.example/ping",
            "https://acme:hunter22@buyer.example/post");
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [campaign], Buyers = [TestWorkspace.Buyer(buyer, contract)] }));

        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract.Key));
        cut.WaitForAssertion(() => Assert.Equal("https://***@buyer.example/ping", cut.Find("#contract-ping-url").GetAttribute("value")));
        Assert.DoesNotContain("hunter22", cut.Markup);
        cut.Type("contract-min-bid", "9");
        cut.Find("#contract-save").Click();

        var routed = Host.Services.GetRequiredService<RoutingSnapshotHolder>();
        cut.WaitForAssertion(() => Assert.Equal(9m, routed.Current.Contracts[contract.Key].Config.MinBid));
        Assert.Equal("https://acme:hunter22@buyer.example/ping", routed.Current.Contracts[contract.Key].Config.PingUrl);
    }
}
