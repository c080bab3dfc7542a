using Bunit;
using Bunit.Rendering;
using LeadHub.Core.Postbacks;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Postbacks;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Postbacks;
using LeadHub.Web.Components.Pages.Publishers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

// The publisher editor's postbacks section and the delivery log page.
public sealed class PostbackPortalTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<string> SeedAsync(PostbacksConfig? postbacks = null)
    {
        var campaign = TestWorkspace.Unique("pb-camp");
        var publisher = TestWorkspace.Unique("pb-pub");
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument
        {
            Campaigns = [TestWorkspace.Campaign(campaign)],
            Publishers = [TestWorkspace.Publisher(publisher, $"key-{Guid.NewGuid():N}", campaign) with { Postbacks = postbacks }],
        }, "seed"));
        return publisher;
    }

    private IRenderedComponent<ContainerFragment> Open(string key)
    {
        var cut = RenderPage<PublisherEditor>(("Key", key));
        cut.WaitForAssertion(() => Assert.Equal(key, cut.Find("input#publisher-key").GetAttribute("value")), PortalKit.Wait);
        return cut;
    }

    [Fact]
    public async Task Manager_adds_a_postback_url_sends_a_signed_test_sees_the_answer_and_saves_it()
    {
        await using var endpoint = await PublisherEndpoint.StartAsync();
        var publisher = await SeedAsync();
        var cut = Open(publisher);

        cut.Find("#publisher-postback-add").Click();
        cut.Find("input#publisher-postback-url-0").Change(endpoint.BaseUrl + "/pb?id={leadId}&s={status}&r={reasonCode}");
        cut.Find("#publisher-postback-secret-generate").Click();
        var secret = cut.Find("input#publisher-postback-secret-value").GetAttribute("value")!;
        cut.Find("#publisher-postback-test-0").Click();

        cut.WaitForAssertion(() => Assert.Contains("Delivered", cut.Find("#publisher-postback-test-result").TextContent), PortalKit.Wait);
        Assert.Contains("/pb?id=00000000-0000-0000-0000-000000000000&s=sold&r=", cut.Find("#publisher-postback-test-request").TextContent);
        Assert.Contains("HTTP 200", cut.Find("#publisher-postback-test-answer").TextContent);
        var call = Assert.Single(endpoint.Calls);
        Assert.True(PostbackSignature.Verify(secret, call.Headers[PostbackSignature.Header], call.PathAndQuery, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));

        cut.Find("#publisher-save").Click();
        cut.WaitForAssertion(() => Assert.Contains("Publisher saved.", cut.Markup), PortalKit.Wait);
        var stored = (await Host.ExportAsync()).Publishers.Single(p => p.Key == publisher).Postbacks!;
        Assert.Equal(PostbackEvents.All, stored.Templates.Single().Events);
        Assert.True(stored.SigningSecretSet);
        Assert.Null(stored.SigningSecret);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("input#publisher-postback-secret-value")), PortalKit.Wait); // shown once
    }

    [Fact]
    public async Task A_bad_postback_url_shows_the_validators_message_next_to_it_and_saves_nothing()
    {
        var publisher = await SeedAsync();
        var cut = Open(publisher);

        cut.Find("#publisher-postback-add").Click();
        cut.Find("input#publisher-postback-url-0").Change("https://p.example/pb?price={price}");
        cut.Find("#publisher-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("unknown placeholder {price}", cut.ErrorOf("publisher-postback-url-0")), PortalKit.Wait);
        Assert.Null((await Host.ExportAsync()).Publishers.Single(p => p.Key == publisher).Postbacks);
    }

    [Fact]
    public async Task A_viewer_sees_the_postbacks_without_add_test_or_secret_buttons()
    {
        var publisher = await SeedAsync(new PostbacksConfig { Templates = [new() { Events = ["sold"], Url = "https://p.example/pb?id={leadId}" }] });
        SignInAs(Roles.Viewer);
        var cut = Open(publisher);

        Assert.Equal("https://p.example/pb?id={leadId}", cut.Find("input#publisher-postback-url-0").GetAttribute("value"));
        Assert.Empty(cut.FindAll("#publisher-postback-add"));
        Assert.Empty(cut.FindAll("#publisher-postback-test-0"));
        Assert.Empty(cut.FindAll("#publisher-postback-secret-generate"));
    }

    private async Task<(long Failed, long Delivered)> SeedLogAsync(string publisher)
    {
        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var now = DateTimeOffset.UtcNow;
        PostbackRow Row(string state) => new()
        {
            LeadId = Guid.CreateVersion7(), Event = "sold", PublisherKey = publisher, Campaign = "c", Status = "sold", Payout = 7m, State = state,
            Attempts = 8, CreatedAt = now, NextAttemptAt = now, LastAttemptAt = now, LastStatus = 500, LastError = "HTTP 500",
            LastRequest = "GET https://p.example/pb",
        };
        var failed = Row(PostbackStates.Failed);
        var delivered = Row(PostbackStates.Delivered);
        db.Postbacks.AddRange(failed, delivered);
        await db.SaveChangesAsync();
        return (failed.Id, delivered.Id);
    }

    [Fact]
    public async Task Delivery_log_filters_by_publisher_and_state_and_a_manager_retries_a_failed_postback()
    {
        var publisher = await SeedAsync();
        var (failed, delivered) = await SeedLogAsync(publisher);
        var cut = RenderPage<PostbackLog>();
        cut.WaitForElement("#postbacks-table", PortalKit.Wait);

        cut.Choose("postbacks-publisher", publisher);
        cut.WaitForAssertion(() => Assert.Contains("2 postback(s)", cut.Find("#postbacks-total").TextContent), PortalKit.Wait);
        cut.Choose("postbacks-state", PostbackStates.Failed);
        cut.WaitForAssertion(() => Assert.Contains("1 postback(s)", cut.Find("#postbacks-total").TextContent), PortalKit.Wait);
        Assert.Empty(cut.FindAll($"#postback-retry-{delivered}"));
        Assert.Contains("HTTP 500", cut.Markup);

        cut.Find($"#postback-retry-{failed}").Click();
        cut.WaitForAssertion(() => Assert.Contains("queued to be sent again", cut.Markup), PortalKit.Wait);
        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var row = await db.Postbacks.AsNoTracking().SingleAsync(p => p.Id == failed);
        Assert.NotEqual(8, row.Attempts); // a fresh set of attempts
    }

    [Fact]
    public async Task A_viewer_sees_the_delivery_log_without_retry_buttons()
    {
        var publisher = await SeedAsync();
        var (failed, _) = await SeedLogAsync(publisher);
        SignInAs(Roles.Viewer);
        var cut = RenderPage<PostbackLog>();
        cut.WaitForAssertion(() => Assert.Contains(publisher, cut.Markup), PortalKit.Wait);
        Assert.Empty(cut.FindAll($"#postback-retry-{failed}"));
    }
}
