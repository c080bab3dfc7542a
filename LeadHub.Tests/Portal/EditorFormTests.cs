using Bunit;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web;
using LeadHub.Web.Components.Pages.Buyers;
using LeadHub.Web.Components.Pages.Campaigns;
using LeadHub.Web.Components.Pages.Publishers;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

// What the four editors share (EditorBase, EditorShell): errors that clear as fields are fixed,
// messages in words, a prompt before unsaved edits are dropped, Save always in the header.
public sealed class EditorFormTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<string> SeedCampaignAsync()
    {
        var key = TestWorkspace.Unique("camp-form");
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [TestWorkspace.Campaign(key, floor: 2.5m) with { Name = "Auto" }] }, "seed"));
        return key;
    }

    [Fact]
    public async Task After_a_failed_save_each_error_clears_as_its_field_is_fixed_and_the_banner_goes_with_the_last()
    {
        var key = await SeedCampaignAsync();
        var cut = RenderPage<CampaignEditor>(("Key", key));
        cut.WaitForElement("input#campaign-floor", PortalKit.Wait);

        cut.Find("input#campaign-floor").Change("-1");
        cut.Find("input#campaign-auction-timeout").Change("5");
        cut.Find("#campaign-save").Click();
        cut.WaitForAssertion(() => Assert.Equal("must not be negative", cut.ErrorOf("campaign-floor")), PortalKit.Wait);
        Assert.Contains("Auction timeout ms: must be between 50 and 60000", cut.Find("#campaign-errors").TextContent);

        cut.Find("input#campaign-floor").Change("3");

        cut.WaitForAssertion(() => Assert.Null(cut.ErrorOf("campaign-floor")));
        Assert.DoesNotContain("Floor", cut.Find("#campaign-errors").TextContent);
        Assert.Contains("Auction timeout", cut.Find("#campaign-errors").TextContent);

        cut.Find("input#campaign-auction-timeout").Change("900");

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("#campaign-errors")));
        Assert.Null(cut.ErrorOf("campaign-auction-timeout"));
        // Nothing was saved along the way: fixing is not saving.
        Assert.Equal(2.5m, (await Host.ExportAsync()).Campaigns.Single(c => c.Key == key).Floor);
    }

    [Fact]
    public void A_bad_key_is_explained_in_words_not_as_a_pattern()
    {
        var cut = RenderPage<CampaignEditor>();
        cut.WaitForElement("input#campaign-key");

        cut.Find("input#campaign-key").Change("Auto Insurance!");
        cut.Find("input#campaign-name").Change("Auto");
        cut.Find("#campaign-save").Click();

        cut.WaitForAssertion(() => Assert.Equal("Use lower-case letters, digits and dashes, up to 64 characters", cut.ErrorOf("campaign-key")), PortalKit.Wait);
        Assert.DoesNotContain("[a-z0-9-]", cut.Markup);
    }

    [Fact]
    public async Task A_contract_without_a_campaign_asks_to_choose_one()
    {
        var buyer = TestWorkspace.Unique("buyer-form");
        // Two campaigns: a new contract then starts with none chosen.
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument { Buyers = [TestWorkspace.Buyer(buyer)] }, "seed"));
        await SeedCampaignAsync();
        await SeedCampaignAsync();
        var cut = RenderPage<ContractEditor>(("Key", buyer));
        cut.WaitForElement("#contract-save", PortalKit.Wait);

        cut.Find("input#contract-key").Change(TestWorkspace.Unique("ct-form"));
        cut.Find("#contract-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Campaign: Choose a campaign", cut.Find("#contract-errors").TextContent), PortalKit.Wait);
        Assert.DoesNotContain("unknown campaign", cut.Markup);
    }

    [Fact]
    public void Messages_of_the_workspace_validator_read_as_words()
    {
        var contract = TestWorkspace.PingPost("ct", "", "ftp://x", "https://buyer.example/post");
        var doc = new WorkspaceDocument { Buyers = [TestWorkspace.Buyer("Bad Key", contract)] };

        var errors = WorkspaceValidator.Validate(doc, doc).ToDictionary(e => e.Path, e => e.Message);

        Assert.Equal("Use lower-case letters, digits and dashes, up to 64 characters", errors["$.buyers[0].key"]);
        Assert.Equal("Choose a campaign", errors["$.buyers[0].contracts[0].campaign"]);
        Assert.Equal("Enter a full web address starting with http:// or https://", errors["$.buyers[0].contracts[0].pingUrl"]);
        Assert.Equal("Campaign 2 floor", Web.Components.Shared.FormErrors.Label("campaigns[1].floor"));
    }

    [Fact]
    public async Task Leaving_with_unsaved_edits_asks_first_and_staying_keeps_them()
    {
        var key = await SeedCampaignAsync();
        var nav = Services.GetRequiredService<NavigationManager>();
        var cut = RenderPage<CampaignEditor>(("Key", key));
        cut.WaitForElement("input#campaign-name", PortalKit.Wait);
        var here = nav.Uri;

        cut.Find("input#campaign-name").Change("Renamed");
        cut.WaitForElement("#campaign-unsaved");
        await cut.InvokeAsync(() => nav.NavigateTo("campaigns"));

        cut.WaitForAssertion(() => Assert.Contains("Leave without saving?", cut.Markup));
        cut.FindAll("button").Single(b => b.TextContent.Trim() == "Stay").Click();
        cut.WaitForAssertion(() => Assert.DoesNotContain("Leave without saving?", cut.Markup));
        Assert.Equal(here, nav.Uri);
        Assert.Equal("Renamed", cut.Find("input#campaign-name").GetAttribute("value"));

        await cut.InvokeAsync(() => nav.NavigateTo("campaigns"));
        cut.WaitForAssertion(() => Assert.Contains("Leave without saving?", cut.Markup));
        // Leaving is a navigation, which need not render this page again (the only thing that re-runs a bUnit
        // wait): under load the page had left, yet the wait's one check came before it. So the location is read
        // after the click and, if it has not changed yet, when the navigation manager reports the change.
        var left = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        nav.LocationChanged += (_, _) => left.TrySetResult();
        cut.FindAll("button").Single(b => b.TextContent.Trim() == "Leave without saving").Click();
        if (!nav.Uri.EndsWith("/campaigns", StringComparison.Ordinal)) await left.Task.WaitAsync(PortalKit.Wait);
        Assert.EndsWith("/campaigns", nav.Uri);
    }

    [Fact]
    public async Task Leaving_without_edits_or_after_saving_does_not_ask()
    {
        var key = await SeedCampaignAsync();
        var nav = Services.GetRequiredService<NavigationManager>();
        var cut = RenderPage<CampaignEditor>(("Key", key));
        cut.WaitForElement("input#campaign-name", PortalKit.Wait);

        cut.Find("input#campaign-name").Change("Renamed");
        cut.Find("#campaign-save").Click();
        cut.WaitForAssertion(() => Assert.Equal("Renamed", (Host.Services.GetRequiredService<WorkspaceQueries>().Campaign(key))?.Name), PortalKit.Wait);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("#campaign-unsaved")));

        await cut.InvokeAsync(() => nav.NavigateTo("campaigns"));

        cut.WaitForAssertion(() => Assert.EndsWith("/campaigns", nav.Uri));
        Assert.DoesNotContain("Leave without saving?", cut.Markup);
    }

    // One page per test: the providers around a page are there once per context.
    [Theory]
    [InlineData("campaign")]
    [InlineData("publisher")]
    [InlineData("buyer")]
    [InlineData("contract")]
    public async Task Every_editor_has_the_same_header_with_save_in_it(string prefix)
    {
        var campaign = await SeedCampaignAsync();
        var buyer = TestWorkspace.Unique("buyer-shell");
        var contract = TestWorkspace.PingPost(TestWorkspace.Unique("ct-shell"), campaign, "https://buyer.example/ping", "https://buyer.example/post");
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument { Buyers = [TestWorkspace.Buyer(buyer, contract)] }, "seed"));

        var cut = prefix switch
        {
            "campaign" => RenderPage<CampaignEditor>(("Key", campaign)),
            "publisher" => RenderPage<PublisherEditor>(),
            "buyer" => RenderPage<BuyerEditor>(("Key", buyer)),
            _ => RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract.Key)),
        };

        cut.WaitForAssertion(() => cut.Find($".editor-bar #{prefix}-save"), PortalKit.Wait);
        cut.Find($".editor-bar #{prefix}-cancel");
        Assert.Single(cut.FindAll($"#{prefix}-save"));
    }

    [Theory]
    [InlineData("campaign")]
    [InlineData("buyer")]
    public async Task A_viewer_sees_a_read_only_cue_and_no_save_button(string prefix)
    {
        var campaign = await SeedCampaignAsync();
        var buyer = TestWorkspace.Unique("buyer-ro");
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument { Buyers = [TestWorkspace.Buyer(buyer)] }, "seed"));
        SignInAs(Roles.Viewer);

        var cut = prefix == "campaign" ? RenderPage<CampaignEditor>(("Key", campaign)) : RenderPage<BuyerEditor>(("Key", buyer));

        cut.WaitForAssertion(() => cut.Find($"#{prefix}-read-only-chip"), PortalKit.Wait);
        Assert.Contains("Read only", cut.Find($"#{prefix}-read-only").TextContent);
        Assert.Empty(cut.FindAll($"#{prefix}-save"));
        Assert.Empty(cut.FindAll($"#{prefix}-delete"));
    }
}
