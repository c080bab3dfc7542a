using Bunit;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Web.Components.Pages.Buyers;

namespace LeadHub.Tests.Portal;

// The schedule section saves exactly the days it shows: presets set them, a click on a day adds
// or removes it, and no days at all is refused instead of being saved as "every day".
public sealed class ContractScheduleTests(LeadHubFactory host) : PortalTestContext(host)
{
    private async Task<(string Buyer, string Contract)> SetUpAsync(ScheduleConfig? schedule = null)
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("camp"));
        var buyer = TestWorkspace.Unique("buyer");
        var contract = TestWorkspace.PingPost(TestWorkspace.Unique("ct"), campaign.Key, "https://buyer.example/ping", "https://buyer.example/post") with
        {
            Schedule = schedule,
        };
        Assert.Empty(await Host.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [campaign], Buyers = [TestWorkspace.Buyer(buyer, contract)] }, "setup"));
        return (buyer, contract.Key);
    }

    private async Task<ScheduleConfig?> StoredScheduleAsync(string buyer, string contract) =>
        (await Host.ExportedBuyerAsync(buyer))!.Contracts.Single(c => c.Key == contract).Schedule;

    // The handler returns once the workspace has the change (or refused it).
    private static async Task SaveAsync(Bunit.IRenderedComponent<Bunit.Rendering.ContainerFragment> cut, string contract)
    {
        // ClickAsync returns when the handler has finished, and the page re-renders as after a real click.
        await cut.Find("#contract-save").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
        Assert.Empty(cut.FindAll("#contract-errors"));
    }

    [Fact]
    public async Task Switching_the_schedule_on_shows_mon_to_fri_and_saves_exactly_those_days()
    {
        var (buyer, contract) = await SetUpAsync();
        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));
        cut.WaitForAssertion(() => cut.Find("#schedule-enabled"));

        cut.Find("#schedule-enabled").Change(true);
        cut.Find("#schedule-end").Change("18:00");

        cut.WaitForAssertion(() => Assert.Equal("Will be saved as: Mon–Fri 08:00–18:00 America/New_York", cut.Find("#schedule-summary").TextContent.Trim()));
        foreach (var day in new[] { "mon", "tue", "wed", "thu", "fri" })
            Assert.Equal("true", cut.Find($"#schedule-day-{day}").GetAttribute("aria-checked"));
        Assert.Equal("false", cut.Find("#schedule-day-sat").GetAttribute("aria-checked"));
        await SaveAsync(cut, contract);

        Assert.Equal(["mon", "tue", "wed", "thu", "fri"], (await StoredScheduleAsync(buyer, contract))!.Days);
    }

    [Fact]
    public async Task The_weekends_and_every_day_presets_save_the_days_they_show()
    {
        var (buyer, contract) = await SetUpAsync(new ScheduleConfig { TimeZone = "UTC", Days = ["mon"], Start = "08:00", End = "20:00" });
        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));
        cut.WaitForAssertion(() => cut.Find("#schedule-preset-weekends"));

        cut.Find("#schedule-preset-weekends").Click();
        cut.WaitForAssertion(() => Assert.Contains("Weekends 08:00–20:00 UTC", cut.Find("#schedule-summary").TextContent));
        Assert.Equal("false", cut.Find("#schedule-day-mon").GetAttribute("aria-checked"));
        Assert.Equal("true", cut.Find("#schedule-day-sun").GetAttribute("aria-checked"));
        await SaveAsync(cut, contract);
        Assert.Equal(["sat", "sun"], (await StoredScheduleAsync(buyer, contract))!.Days);

        cut.Find("#schedule-preset-every-day").Click();
        cut.WaitForAssertion(() => Assert.Contains("Every day 08:00–20:00 UTC", cut.Find("#schedule-summary").TextContent));
        await SaveAsync(cut, contract);
        Assert.Equal(ContractForm.DayKeys, (await StoredScheduleAsync(buyer, contract))!.Days);
    }

    [Fact]
    public async Task Turning_every_shown_day_off_is_refused_with_pick_at_least_one_day_and_nothing_is_saved()
    {
        var (buyer, contract) = await SetUpAsync(new ScheduleConfig { TimeZone = "UTC", Days = ["mon", "tue"], Start = "08:00", End = "20:00" });
        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));
        cut.WaitForAssertion(() => cut.Find("#schedule-day-mon"));

        // The trap of old: clicking the pre-selected days turned them off and "none" saved every day.
        cut.Find("#schedule-day-mon").Click();
        cut.Find("#schedule-day-tue").Click();
        cut.WaitForAssertion(() => Assert.Contains("Pick at least one day.", cut.Markup));
        Assert.Empty(cut.FindAll("#schedule-summary"));
        cut.Find("#contract-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Pick at least one day.", cut.Find("#schedule-error").TextContent));
        Assert.Equal(["mon", "tue"], (await StoredScheduleAsync(buyer, contract))!.Days);
    }

    [Fact]
    public async Task Hours_that_are_not_times_or_are_equal_are_refused_before_saving()
    {
        var (buyer, contract) = await SetUpAsync(new ScheduleConfig { TimeZone = "UTC", Days = ["mon"], Start = "08:00", End = "20:00" });
        var cut = RenderPage<ContractEditor>(("Key", buyer), ("ContractKey", contract));
        cut.WaitForAssertion(() => cut.Find("#schedule-start"));

        cut.Find("#schedule-start").Change("8am");
        cut.Find("#contract-save").Click();
        cut.WaitForAssertion(() => Assert.Contains("From must be a time HH:mm", cut.Find("#schedule-error").TextContent));

        cut.Find("#schedule-start").Change("20:00");
        cut.Find("#contract-save").Click();
        cut.WaitForAssertion(() => Assert.Contains("From and Until are the same time", cut.Find("#schedule-error").TextContent));
        Assert.Equal("08:00", (await StoredScheduleAsync(buyer, contract))!.Start);
    }
}
