using Bunit;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web.Components.Pages.Audit;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

public sealed class AuditLogTests(LeadHubFactory host) : PortalTestContext(host)
{
    [Fact]
    public async Task Shows_who_changed_which_campaign_with_before_and_after()
    {
        var key = TestWorkspace.Unique("audited");
        var workspace = Host.Services.GetRequiredService<WorkspaceService>();
        await workspace.ImportAsync(new WorkspaceDocument { Campaigns = [TestWorkspace.Campaign(key)] }, "ana@leadhub.test");
        await workspace.ImportAsync(new WorkspaceDocument { Campaigns = [TestWorkspace.Campaign(key) with { Floor = 4 }] }, "bo@leadhub.test");

        var cut = RenderPage<AuditLog>();
        cut.Find("input#audit-search").Input(key);

        cut.WaitForAssertion(() =>
        {
            var rows = cut.FindAll("#audit-table tbody tr");
            Assert.Equal(2, rows.Count);
            Assert.Contains("bo@leadhub.test", rows[0].TextContent);
            Assert.Contains("update", rows[0].TextContent);
            Assert.Contains("ana@leadhub.test", rows[1].TextContent);
            Assert.Contains("create", rows[1].TextContent);
        });
        cut.FindAll("#audit-table tbody tr")[0].QuerySelector("button")!.Click();
        // A field diff, not two JSON documents: the floor went from 0 to 4, and nothing else is listed.
        var floor = cut.WaitForElement(".audit-diff tr[data-path='floor']");
        Assert.Equal("0", floor.QuerySelector(".diff-before")!.TextContent.Trim());
        Assert.Equal("4", floor.QuerySelector(".diff-after")!.TextContent.Trim());
        Assert.Single(cut.FindAll(".audit-diff tbody tr"));
    }
}
