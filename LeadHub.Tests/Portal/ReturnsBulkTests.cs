using Bunit;
using LeadHub.Core.Returns;
using LeadHub.Core.Storage;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using LeadHub.Tests.Returns;
using LeadHub.Web;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using ReturnsPage = LeadHub.Web.Components.Pages.Returns.Returns;

namespace LeadHub.Tests.Portal;

// The returns queue worked in bulk: select, one note, one confirmation; filters; a buyer's file.
public sealed class ReturnsBulkTests(LeadHubFactory host) : PortalTestContext(host)
{
    private ReturnService Service => Host.Services.GetRequiredService<ReturnService>();

    private async Task<(Guid LeadId, Guid ReturnId)> PendingAsync(ReturnsScenario s, string reason = "bad phone")
    {
        var leadId = await s.SoldLeadAsync(Host);
        var (row, refusal) = await Service.RequestAsync(leadId, s.Buyer, reason, s.Buyer);
        Assert.Null(refusal);
        return (leadId, row!.Id);
    }

    [Fact]
    public async Task A_manager_selects_several_pending_returns_and_approves_them_with_one_note()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(Host, buyers);
        var (lead1, ret1) = await PendingAsync(s);
        var (lead2, ret2) = await PendingAsync(s);
        var (lead3, ret3) = await PendingAsync(s);
        var cut = RenderPage<ReturnsPage>();
        cut.WaitForAssertion(() => cut.Find($"#select-{ret3}"));

        cut.Find($"#select-{ret1}").Change(true);
        cut.Find($"#select-{ret2}").Change(true);
        cut.WaitForAssertion(() => Assert.Contains("2 selected", cut.Find("#returns-selected-count").TextContent));
        cut.Find("#bulk-approve").Click();
        cut.WaitForAssertion(() => cut.Find("#reason-text"));
        Assert.Contains("$25.00", cut.Markup); // what is at stake, before confirming
        cut.Find("#reason-text").Input("checked with the buyer");
        cut.Find("#reason-confirm").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll($"#returns-pending #return-{ret1}")), PortalKit.Wait);
        Assert.Empty(cut.FindAll($"#returns-pending #return-{ret2}"));
        Assert.NotNull(cut.Find($"#returns-pending #return-{ret3}"));
        foreach (var (lead, ret) in new[] { (lead1, ret1), (lead2, ret2) })
        {
            Assert.Equal(LeadStatus.Returned, (await ReturnsDb.LeadAsync(Host, lead)).Status);
            var row = (await Service.FindAsync(ret))!;
            Assert.Equal((ReturnStatus.Approved, "checked with the buyer", PortalKit.Manager), (row.Status, row.DecisionNote, row.DecidedBy));
        }
        Assert.Equal(LeadStatus.Sold, (await ReturnsDb.LeadAsync(Host, lead3)).Status);
    }

    [Fact]
    public async Task Denying_several_needs_a_reason_and_keeps_the_leads_sold()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(Host, buyers);
        var (lead1, ret1) = await PendingAsync(s);
        var (lead2, ret2) = await PendingAsync(s);
        var cut = RenderPage<ReturnsPage>();
        cut.WaitForAssertion(() => cut.Find($"#select-{ret2}"));

        cut.Find($"#select-{ret1}").Change(true);
        cut.Find($"#select-{ret2}").Change(true);
        cut.Find("#bulk-deny").Click();
        cut.WaitForAssertion(() => Assert.True(cut.Find("#reason-confirm").HasAttribute("disabled")));
        cut.Find("#reason-text").Input("the leads answered");
        cut.WaitForAssertion(() => Assert.False(cut.Find("#reason-confirm").HasAttribute("disabled")));
        cut.Find("#reason-confirm").Click();

        await PortalKit.UntilAsync(async () => (await Service.FindAsync(ret2))!.Status == ReturnStatus.Denied);
        Assert.Equal(ReturnStatus.Denied, (await Service.FindAsync(ret1))!.Status);
        Assert.Equal(LeadStatus.Sold, (await ReturnsDb.LeadAsync(Host, lead1)).Status);
        Assert.Equal(LeadStatus.Sold, (await ReturnsDb.LeadAsync(Host, lead2)).Status);
    }

    [Fact]
    public async Task Filtering_by_buyer_shows_only_its_returns_and_each_shows_the_days_left_to_return()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var a = await ReturnsScenario.CreateAsync(Host, buyers);
        var b = await ReturnsScenario.CreateAsync(Host, buyers);
        var (_, retA) = await PendingAsync(a);
        var (_, retB) = await PendingAsync(b);
        var cut = RenderPage<ReturnsPage>();
        cut.WaitForAssertion(() => cut.Find($"#return-{retB}"));
        Assert.Contains("6 d left", cut.Find($"#return-{retA} .days-left").TextContent);

        cut.Choose("filter-buyer", a.Buyer);

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll($"#return-{retB}")));
        Assert.NotNull(cut.Find($"#return-{retA}"));
        cut.Find("#filter-clear").Click();
        cut.WaitForAssertion(() => cut.Find($"#return-{retB}"));
    }

    [Fact]
    public async Task A_buyers_return_file_is_previewed_row_by_row_and_applying_enters_only_the_matched_rows()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(Host, buyers);
        var good = await s.SoldLeadAsync(Host);
        var (alreadyPending, _) = await PendingAsync(s);
        var cut = RenderPage<ReturnsPage>();
        cut.WaitForAssertion(() => cut.Find("#import-buyer"));

        cut.Choose("import-buyer", s.Buyer);
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(
            $"lead_id,reason\n{good},disconnected\n{Guid.NewGuid()},unknown\n{alreadyPending},again\n", "returns.csv"));

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("#import-preview tbody tr").Count), PortalKit.Wait);
        Assert.Equal(ReturnImportResults.Matched, cut.Find("#import-line-2").GetAttribute("data-result"));
        Assert.Equal(ReturnImportResults.UnknownLead, cut.Find("#import-line-3").GetAttribute("data-result"));
        Assert.Equal(ReturnImportResults.AlreadyPending, cut.Find("#import-line-4").GetAttribute("data-result"));
        Assert.Empty(await ReturnsDb.ReturnsOfAsync(Host, good));

        cut.Find("#import-apply").Click();
        cut.WaitForAssertion(() => cut.FindAll("button").Single(x => x.TextContent.Trim() == "Enter returns").Click());

        cut.WaitForAssertion(() => Assert.Equal(ReturnImportResults.Returned, cut.Find("#import-line-2").GetAttribute("data-result")), PortalKit.Wait);
        var entered = Assert.Single(await ReturnsDb.ReturnsOfAsync(Host, good));
        Assert.Equal((ReturnStatus.Pending, PortalKit.Manager), (entered.Status, entered.RequestedBy));
        Assert.Single(await ReturnsDb.ReturnsOfAsync(Host, alreadyPending));
        cut.WaitForAssertion(() => cut.Find($"#returns-pending #return-{entered.Id}"));
    }

    [Fact]
    public async Task A_file_that_is_not_a_return_file_shows_why_and_changes_nothing()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(Host, buyers);
        var cut = RenderPage<ReturnsPage>();
        cut.WaitForAssertion(() => cut.Find("#import-buyer"));

        cut.Choose("import-buyer", s.Buyer);
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("id;comment\n1;x\n", "returns.csv"));

        cut.WaitForAssertion(() => Assert.Contains("'reason' column", cut.Find("#import-error").TextContent), PortalKit.Wait);
        Assert.Contains("Nothing was changed", cut.Find("#import-error").TextContent);
        Assert.Empty(cut.FindAll("#import-apply"));
    }

    [Fact]
    public async Task A_viewer_gets_no_selection_no_bulk_buttons_and_no_import()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ReturnsScenario.CreateAsync(Host, buyers);
        var (_, ret) = await PendingAsync(s);
        SignInAs(Roles.Viewer);

        var cut = RenderPage<ReturnsPage>();

        cut.WaitForAssertion(() => cut.Find($"#return-{ret}"));
        Assert.Empty(cut.FindAll($"#select-{ret}"));
        Assert.Empty(cut.FindAll("#bulk-approve"));
        Assert.Empty(cut.FindAll("#import-buyer"));
    }
}
