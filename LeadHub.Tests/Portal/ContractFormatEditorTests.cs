using Bunit;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using LeadHub.Web.Components.Pages.Buyers;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

// The format editor and its "send a test" panel on the contract page.
public sealed class ContractFormatEditorTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<(string Buyer, string Contract)> SetUpAsync(LoopbackBuyers buyers)
    {
        // Generous timeouts: a test ping is often the process's first request to a buyer, and on a
        // busy machine that alone can take longer than the usual 300 ms.
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("fmt"), auctionTimeoutMs: 5000);
        var buyer = TestWorkspace.Unique("fmtbuyer");
        var contract = TestWorkspace.PingPost(buyer + "-c", campaign.Key, buyers.PingUrl(buyer), buyers.PostUrl(buyer), timeoutMs: 3000);
        await Host.Services.GetRequiredService<WorkspaceService>().ImportAsync(
            new WorkspaceDocument { Campaigns = [campaign], Buyers = [TestWorkspace.Buyer(buyer, contract)] }, "setup");
        return (buyer, contract.Key);
    }

    private async Task<ContractConfig> SavedAsync(string contract) =>
        (await Host.Services.GetRequiredService<WorkspaceService>().ExportAsync()).Buyers.SelectMany(b => b.Contracts).Single(c => c.Key == contract);

    [Fact]
    public async Task A_broken_template_is_refused_with_its_path_and_nothing_is_saved()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (buyer, contract) = await SetUpAsync(buyers);
        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));
        cut.WaitForAssertion(() => cut.Find("#contract-format-json"));

        cut.Find("textarea#contract-format-json").Change("""{ "ping": { "template": "{% if %}" } }""");
        cut.Find("#contract-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("format.ping.template", cut.Find("#contract-format").TextContent));
        Assert.Null((await SavedAsync(contract)).Format);
    }

    [Fact]
    public async Task A_valid_format_is_saved_and_its_secret_never_shown_again()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (buyer, contract) = await SetUpAsync(buyers);
        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));
        cut.WaitForAssertion(() => cut.Find("#contract-format-json"));

        cut.Find("textarea#contract-format-json").Change(
            """{ "ping": { "contentType": "form", "rename": { "zip": "ZipCode" } }, "auth": { "type": "basic", "username": "acme" } }""");
        cut.Find("input#contract-secret").Change("s3cret-pass");
        cut.Find("#contract-save").Click();

        cut.WaitForAssertion(() => Assert.Contains($"Contract {contract} saved.", cut.Markup));
        var saved = (await SavedAsync(contract)).Format!;
        Assert.Equal("form", saved.Ping!.ContentType);
        Assert.True(saved.Auth!.PasswordSet);
        Assert.Null(saved.Auth.Password);
        cut.WaitForAssertion(() => Assert.DoesNotContain("s3cret-pass", cut.Markup));
    }

    [Fact]
    public async Task Test_ping_shows_what_was_sent_and_what_the_buyer_answered()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (buyer, contract) = await SetUpAsync(buyers);
        buyers.Set(buyer, new BuyerBehaviour { Ping = BuyerAnswer.Bid(14) });
        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));
        cut.WaitForAssertion(() => cut.Find("#contract-try-ping"));

        cut.Find("#contract-try-ping").Click();

        cut.WaitForAssertion(() => Assert.Contains("bid $14.00", cut.Find("#contract-try-result").TextContent));
        Assert.Contains("\"campaign\"", cut.Find("#contract-try-request").TextContent);
        Assert.Contains("\"bid\":14", cut.Find("#contract-try-response").TextContent);
        Assert.Single(buyers.CallsTo(buyer, "ping"));
    }

    [Fact]
    public async Task Viewer_cannot_send_a_test()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var (buyer, contract) = await SetUpAsync(buyers);
        SignInAs(LeadHub.Web.Roles.Viewer);
        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));
        cut.WaitForAssertion(() => cut.Find("#contract-format"));

        Assert.Empty(cut.FindAll("#contract-try-ping"));
        await cut.InvokeAsync(() => cut.FindComponent<ContractEditor>().Instance.TryAsync("ping"));
        Assert.Empty(buyers.CallsTo(buyer, "ping"));
    }
}
