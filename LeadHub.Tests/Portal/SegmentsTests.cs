using Bunit;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Segments;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

public sealed class SegmentsTests(LeadHubFactory host) : PortalTestContext(host)
{
    // Segment A: a1, a2 (a2 is also in B). Segment B: a2, b1. Untagged: loner.
    private async Task<(string A, string B, string[] Keys)> SetUpAsync()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("camp"));
        var (a, b) = (TestWorkspace.Unique("seg-a"), TestWorkspace.Unique("seg-b"));
        var keys = new[] { "a1", "a2", "b1", "loner" }.Select(TestWorkspace.Unique).ToArray();
        BuyerConfig Buyer(string key, params string[] segments) =>
            TestWorkspace.Buyer(key, TestWorkspace.PingPost(key + "-c", campaign.Key, "https://x.example/ping", "https://x.example/post")) with { Segments = [.. segments] };
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument
        {
            Campaigns = [campaign],
            Buyers = [Buyer(keys[0], a), Buyer(keys[1], a, b), Buyer(keys[2], b), Buyer(keys[3])],
        }, "setup"));
        return (a, b, keys);
    }

    private async Task<Dictionary<string, bool>> ActiveOfAsync(IEnumerable<string> keys) =>
        (await Host.Workspace().ExportAsync()).Buyers.Where(b => keys.Contains(b.Key)).ToDictionary(b => b.Key, b => b.Active);

    [Fact]
    public async Task Groups_buyers_by_segment_with_their_state_and_contracts()
    {
        var (a, b, keys) = await SetUpAsync();

        var cut = RenderPage<Segments>();

        cut.WaitForAssertion(() => cut.Find($"#segment-{a}"));
        Assert.Contains("2 buyers · 2 active", cut.Find($"#segment-{a}-summary").TextContent);
        Assert.NotEmpty(cut.FindAll($"#segment-{a}-buyer-{keys[0]}"));
        Assert.NotEmpty(cut.FindAll($"#segment-{a}-buyer-{keys[1]}"));
        Assert.Empty(cut.FindAll($"#segment-{a}-buyer-{keys[2]}"));
        Assert.NotEmpty(cut.FindAll($"#segment-{b}-buyer-{keys[1]}"));
        Assert.Contains("1 / 1", cut.Find($"#segment-{a}-buyer-{keys[0]}").TextContent);
        Assert.Contains("active", cut.Find($"#segment-{a}-buyer-{keys[0]}").TextContent);
        Assert.Contains(keys[3], cut.Find("#segments-none").InnerHtml);
    }

    [Fact]
    public async Task Bulk_pause_after_confirmation_pauses_exactly_that_segments_buyers_and_resume_brings_them_back()
    {
        var (a, b, keys) = await SetUpAsync();
        var cut = RenderPage<Segments>();
        cut.WaitForAssertion(() => cut.Find($"#segment-pause-{a}"));

        cut.Find($"#segment-pause-{a}").Click();
        cut.Confirm("Pause 2 buyer(s)");

        cut.WaitForAssertion(() => Assert.Contains("Paused 2 buyers in segment", cut.Markup));
        var active = await ActiveOfAsync(keys);
        Assert.False(active[keys[0]]);
        Assert.False(active[keys[1]]);
        Assert.True(active[keys[2]]);
        Assert.True(active[keys[3]]);
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("2 buyers · 0 active", cut.Find($"#segment-{a}-summary").TextContent);
            Assert.Contains("2 buyers · 1 active", cut.Find($"#segment-{b}-summary").TextContent);
        });
        await using (var db = await Host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync())
        {
            var audit = await db.Audit.Where(r => r.EntityType == "buyer" && keys.Contains(r.EntityKey) && r.Action == "pause").ToListAsync();
            Assert.Equal([keys[0], keys[1]], audit.Select(r => r.EntityKey).Order());
            Assert.All(audit, r => Assert.Equal("manager@leadhub.test", r.Actor));
        }

        cut.Find($"#segment-resume-{b}").Click();
        cut.Confirm("Resume 2 buyer(s)");
        cut.WaitForAssertion(() => Assert.Contains("Resumed 1 buyer in segment", cut.Markup));
        active = await ActiveOfAsync(keys);
        Assert.False(active[keys[0]]);
        Assert.True(active[keys[1]]);
    }

    [Fact]
    public async Task Cancelling_the_confirmation_changes_nothing()
    {
        var (a, _, keys) = await SetUpAsync();
        var cut = RenderPage<Segments>();
        cut.WaitForAssertion(() => cut.Find($"#segment-pause-{a}"));

        cut.Find($"#segment-pause-{a}").Click();
        cut.Confirm("Cancel");

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-dialog")));
        Assert.All(await ActiveOfAsync(keys), kv => Assert.True(kv.Value));
    }

    [Fact]
    public async Task A_viewer_sees_no_bulk_buttons_and_the_handler_changes_nothing()
    {
        var (a, _, keys) = await SetUpAsync();
        SignInAs(Roles.Viewer);
        var cut = RenderPage<Segments>();
        cut.WaitForAssertion(() => cut.Find($"#segment-{a}"));

        Assert.Empty(cut.FindAll($"#segment-pause-{a}"));
        Assert.Empty(cut.FindAll($"#segment-resume-{a}"));
        var page = cut.FindComponent<Segments>().Instance;
        await cut.InvokeAsync(() => page.SetSegmentActiveAsync(a, false));

        Assert.Empty(cut.FindAll(".mud-dialog"));
        Assert.All(await ActiveOfAsync(keys), kv => Assert.True(kv.Value));
        cut.WaitForAssertion(() => Assert.Contains("Your role may not change configuration.", cut.Markup));
    }
}
