using System.Net.Http.Json;
using System.Text.Json;
using Bunit;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Leads;
using LeadHub.Core.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

public sealed class LeadsPageTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<(Guid LeadId, string Campaign, string Buyer)> SoldLeadAsync(LoopbackBuyers buyers, object? fields = null)
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("portal"));
        var buyer = TestWorkspace.Unique("acme");
        buyers.Set(buyer, new BuyerBehaviour { Ping = BuyerAnswer.Bid(12.5m), Post = BuyerAnswer.Accept() });
        var apiKey = "key-" + Guid.NewGuid().ToString("N");
        await Host.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Publishers = [TestWorkspace.Publisher(TestWorkspace.Unique("pub"), apiKey, campaign.Key)],
            Buyers = [TestWorkspace.Buyer(buyer, TestWorkspace.PingPost(buyer + "-c", campaign.Key, buyers.PingUrl(buyer), buyers.PostUrl(buyer)))],
        });
        using var publisher = Host.Publisher(apiKey);
        var answer = await (await publisher.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign.Key, fields))).Content.ReadFromJsonAsync<JsonElement>();
        return (answer.GetProperty("leadId").GetGuid(), campaign.Key, buyer);
    }

    [Fact]
    public async Task Lead_page_shows_the_sale_and_its_routing_trace_as_a_timeline()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (leadId, _, buyer) = await SoldLeadAsync(buyers);

        var cut = RenderPage<LeadDetail>(("Id", leadId));

        cut.WaitForAssertion(() => Assert.Contains("$12.50", cut.Find("#lead-price").TextContent));
        Assert.Contains(buyer, cut.Find("#lead-buyer").TextContent);
        Assert.Contains("$8.75", cut.Find("#lead-payout").TextContent); // 70 % of 12.50
        var steps = cut.FindAll("#lead-trace .trace-step");
        Assert.Equal(["ping", "post"], steps.Select(s => s.GetAttribute("data-kind")));
        Assert.Equal(["bid", "accepted"], steps.Select(s => s.GetAttribute("data-outcome")));
        Assert.Contains(" ms", steps[0].TextContent);
        // Why not this buyer: the one contract of the campaign won, at its price.
        var verdict = Assert.Single(cut.FindAll("#why-not td[data-verdict]"));
        Assert.Equal("won", verdict.GetAttribute("data-verdict"));
        Assert.Contains("bought the lead at 12.50", cut.Find("#why-not").TextContent);
    }

    [Fact]
    public async Task Lead_whose_post_outcome_was_lost_offers_confirm_and_release_and_confirm_sells_it_to_that_buyer()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (leadId, _, buyer) = await SoldLeadAsync(buyers);
        // What recovery leaves after a crash hid the post's answer: the lead `unknown`, its intent open.
        await using (var db = await Host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync())
        {
            await db.Leads.Where(l => l.Id == leadId).ExecuteUpdateAsync(u => u.SetProperty(l => l.Status, LeadStatus.Unknown)
                .SetProperty(l => l.Payout, 0m).SetProperty(l => l.FinishedAt, (DateTimeOffset?)null));
            await db.PostIntents.Where(i => i.LeadId == leadId).ExecuteUpdateAsync(u => u.SetProperty(i => i.Outcome, (string?)null));
        }

        var cut = RenderPage<LeadDetail>(("Id", leadId));
        cut.WaitForAssertion(() => Assert.Contains(buyer, cut.Find("#lead-unknown").TextContent));
        Assert.Contains(buyer, cut.Find("#confirm-sold").TextContent);
        Assert.NotNull(cut.Find("#release-lead"));

        cut.Find("#confirm-sold").Click();

        cut.WaitForAssertion(() => Assert.Contains("$8.75", cut.Find("#lead-payout").TextContent));
        Assert.Empty(cut.FindAll("#lead-unknown"));
        await using (var db = await Host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync())
        {
            var lead = await db.Leads.SingleAsync(l => l.Id == leadId);
            Assert.Equal((LeadStatus.Sold, buyer, 12.5m), (lead.Status, lead.BuyerKey, lead.Price));
            Assert.Equal(TraceOutcomes.Accepted, (await db.PostIntents.SingleAsync(i => i.LeadId == leadId)).Outcome);
        }
    }

    [Fact]
    public async Task Viewer_sees_personal_data_masked_and_manager_sees_it_clear()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (leadId, _, _) = await SoldLeadAsync(buyers, new { email = "maria.lopez@example.com", first_name = "Maria" });

        SignInAs(Roles.Viewer);
        var asViewer = RenderPage<LeadDetail>(("Id", leadId));
        asViewer.WaitForAssertion(() => Assert.NotNull(asViewer.Find("#pii-masked")));
        var viewerFields = asViewer.Find("#lead-fields").TextContent;
        Assert.DoesNotContain("maria.lopez@example.com", viewerFields);
        Assert.Contains("m***@example.com", viewerFields);
        Assert.DoesNotContain("Maria", viewerFields);
        Assert.Contains("CA", viewerFields); // not PII

        await DisposeComponentsAsync();
        SignInAs(Roles.Manager);
        var asManager = RenderPage<LeadDetail>(("Id", leadId));
        asManager.WaitForAssertion(() => Assert.Contains("maria.lopez@example.com", asManager.Find("#lead-fields").TextContent));
        Assert.Empty(asManager.FindAll("#pii-masked"));
    }

    [Fact]
    public async Task Search_by_phone_in_any_format_finds_the_lead()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (leadId, campaign, _) = await SoldLeadAsync(buyers, new { phone = "+1 (212) 555-0175" });
        await SoldLeadAsync(buyers); // another lead that must not match

        var cut = RenderPage<LeadSearch>();
        // Applies by itself once typing pauses.
        cut.Find("input#leads-contact").Input("212.555.0175");

        cut.WaitForAssertion(() =>
        {
            var rows = cut.FindAll("#leads-table tbody tr");
            var row = Assert.Single(rows);
            Assert.Contains(campaign, row.TextContent);
            Assert.Contains("sold", row.TextContent);
        });
        Assert.NotEqual(Guid.Empty, leadId);
    }

    [Fact]
    public void Search_with_an_invalid_phone_says_so_and_keeps_the_input()
    {
        var cut = RenderPage<LeadSearch>();
        cut.Find("input#leads-contact").Input("12");
        cut.Find("#leads-search").Click();

        cut.WaitForAssertion(() => Assert.Contains("Not a valid phone number or email", cut.Markup));
        Assert.Equal("12", cut.Find("input#leads-contact").GetAttribute("value"));
    }

    // A lead stored before bad Unicode was caught holds "\ud800" in its raw text: the page still opens.
    [Fact]
    public async Task Lead_page_opens_a_quarantined_lead_stored_with_a_lone_surrogate()
    {
        var id = Guid.CreateVersion7();
        await using (var db = await Host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync())
        {
            db.Leads.Add(new LeadRow
            {
                Id = id, CampaignKey = "old", PublisherKey = "old", Status = LeadStatus.Invalid, ReceivedAt = DateTimeOffset.UtcNow,
                FieldsJson = """{"first_name":"Ana\ud800"}""", ErrorsJson = """{"first_name":["bad"]}""",
            });
            await db.SaveChangesAsync();
        }

        var cut = RenderPage<LeadDetail>(("Id", id));

        cut.WaitForAssertion(() => Assert.Contains("Ana\uFFFD", cut.Find("#lead-fields").TextContent));
        Assert.Contains("bad", cut.Find("#lead-fields").TextContent);
    }
}
