using Bunit;
using LeadHub.Core.Delivery;
using LeadHub.Core.Routing;
using LeadHub.Core.Status;
using LeadHub.Core.Workspace;
using LeadHub.Web.Components.Shared;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace LeadHub.Tests.Portal;

// What a manager reads in a buyer's or contract's status chip, for each reason it gets no leads.
public sealed class ReceivingStatusTests
{
    // Saturday 2026-12-05 18:00 UTC = 12:00 in Chicago.
    private static readonly DateTimeOffset Saturday = new(2026, 12, 5, 18, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlyDictionary<string, CapIncrement> NoCounts = new Dictionary<string, CapIncrement>();

    private static ContractSnapshot Snapshot(ContractConfig contract, BuyerConfig? buyer = null)
    {
        var b = (buyer ?? new BuyerConfig { Key = "acme", Name = "Acme" }) with { Contracts = [contract] };
        var doc = new WorkspaceDocument
        {
            Campaigns = [new CampaignConfig { Key = "auto" }],
            Buyers = [b],
        };
        return new RoutingSnapshot(doc, new Dictionary<string, string>(), new Dictionary<string, string>(), 1).Contracts[contract.Key];
    }

    private static ContractConfig Contract(string key = "acme-auto") =>
        new() { Key = key, Campaign = "auto", PingUrl = "https://b.example/ping", PostUrl = "https://b.example/post" };

    private static async Task<string> ChipTextAsync(ReceivingStatus status)
    {
        await using var ctx = new BunitContext();
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        var cut = ctx.Render<ReceivingChip>(p => p.Add(c => c.Status, status).Add(c => c.Id, "s"));
        return cut.Find(".receiving-chip").TextContent.Trim() + " | " + string.Join(" | ", cut.FindAll(".receiving-cap").Select(e => e.TextContent.Trim()))
            + " | state=" + cut.Find("#s").GetAttribute("data-state");
    }

    [Fact]
    public async Task A_contract_of_a_paused_buyer_is_not_shown_receiving_and_says_who_paused_the_buyer_and_why()
    {
        var note = new PauseNote("ana@example.com", new DateTimeOffset(2026, 12, 2, 14, 5, 0, TimeSpan.Zero), "invoice overdue");
        var contract = Snapshot(Contract(), new BuyerConfig { Key = "acme", Name = "Acme", Active = false, Paused = note });

        var status = ReceivingStatuses.ForContract(contract, null, null, NoCounts, Saturday);

        Assert.Equal(ReceivingState.BuyerPaused, status.State);
        Assert.False(status.IsReceiving);
        var chip = await ChipTextAsync(status);
        Assert.StartsWith("Buyer paused by ana@example.com 2026-12-02 14:05 UTC: invoice overdue", chip);
        Assert.DoesNotContain("Receiving", chip);
    }

    [Fact]
    public async Task A_contract_paused_by_buyer_health_reads_auto_paused_for_errors()
    {
        var contract = Snapshot(Contract() with
        {
            Active = false, Paused = new PauseNote(PauseNote.BuyerHealth, Saturday.AddHours(-1), "too many post errors or timeouts today"),
        });

        var status = ReceivingStatuses.ForContract(contract, null, null, NoCounts, Saturday);

        Assert.Equal(ReceivingState.AutoPaused, status.State);
        Assert.StartsWith("Auto-paused for errors by buyer-health 2026-12-05 17:00 UTC: too many post errors", await ChipTextAsync(status));
    }

    [Fact]
    public async Task A_full_daily_cap_reads_cap_n_of_m_today_with_a_full_usage_bar()
    {
        var contract = Snapshot(Contract() with { Caps = new CapsConfig { Daily = 2000, Monthly = 50000 } });
        var keys = CapPeriods.ForContract(contract, Saturday).ToDictionary(l => l.Key.Split(':')[2], l => l.Key);
        var counts = new Dictionary<string, CapIncrement>
        {
            [keys["day"]] = new(keys["day"], 2000, 36000m),
            [keys["month"]] = new(keys["month"], 12000, 200000m),
        };

        var status = ReceivingStatuses.ForContract(contract, null, null, counts, Saturday);

        Assert.Equal(ReceivingState.CapReached, status.State);
        Assert.Equal(100, status.Caps.Single(c => c.Period == "today").Percent);
        var chip = await ChipTextAsync(status);
        Assert.StartsWith("Cap 2,000 of 2,000 today", chip);
        Assert.Contains("cap 2,000 of 2,000 today", chip);
        Assert.Contains("cap 12,000 of 50,000 this month", chip);
    }

    [Fact]
    public async Task A_cap_with_room_left_still_receives_and_shows_its_usage()
    {
        var contract = Snapshot(Contract() with { Caps = new CapsConfig { Hourly = 100 } });
        var key = CapPeriods.ForContract(contract, Saturday).Single().Key;

        var status = ReceivingStatuses.ForContract(contract, null, null, new Dictionary<string, CapIncrement> { [key] = new(key, 40, 0) }, Saturday);

        Assert.True(status.IsReceiving);
        Assert.Equal("Receiving | cap 40 of 100 this hour | state=Receiving", await ChipTextAsync(status));
    }

    [Fact]
    public async Task Outside_its_schedule_a_contract_says_until_when_in_the_schedules_zone()
    {
        var contract = Snapshot(Contract() with
        {
            Schedule = new ScheduleConfig { TimeZone = "America/Chicago", Days = ["mon", "tue", "wed", "thu", "fri"], Start = "08:00", End = "18:00" },
        });

        var status = ReceivingStatuses.ForContract(contract, null, null, NoCounts, Saturday);

        Assert.Equal(ReceivingState.OutsideSchedule, status.State);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 14, 0, 0, TimeSpan.Zero), status.Until);
        Assert.StartsWith("Outside schedule until Mon 08:00 America/Chicago", await ChipTextAsync(status));
    }

    [Fact]
    public async Task An_open_circuit_says_until_when_it_probes_the_buyer_again()
    {
        var contract = Snapshot(Contract());
        var health = new ContractHealthView("acme-auto", "acme", true, "open", 5, Saturday.AddSeconds(30), 0, 12);

        var status = ReceivingStatuses.ForContract(contract, null, health, NoCounts, Saturday);

        Assert.Equal(ReceivingState.CircuitOpen, status.State);
        Assert.StartsWith("Circuit open until 18:00:30 UTC (5 failures in a row)", await ChipTextAsync(status));
    }

    [Fact]
    public void A_buyer_whose_contracts_all_stopped_says_why_in_numbers()
    {
        var snapshot = new RoutingSnapshot(new WorkspaceDocument
        {
            Campaigns = [new CampaignConfig { Key = "auto" }],
            Buyers =
            [
                new BuyerConfig
                {
                    Key = "acme", Name = "Acme",
                    Contracts = [Contract("a1") with { Caps = new CapsConfig { Daily = 0 } }, Contract("a2") with { Caps = new CapsConfig { Daily = 0 } },
                        Contract("a3") with { Active = false }],
                },
            ],
        }, new Dictionary<string, string>(), new Dictionary<string, string>(), 1);
        var contracts = snapshot.Contracts.Values.OrderBy(c => c.Key).Select(c => ReceivingStatuses.ForContract(c, null, null, NoCounts, Saturday)).ToList();

        var buyer = ReceivingStatuses.ForBuyer(snapshot.Buyers["acme"], contracts, NoCounts, Saturday);

        Assert.Equal(ReceivingState.CapReached, buyer.State);
        Assert.Equal("Not receiving: 2 capped out, 1 paused", buyer.Text);
    }

    [Fact]
    public void The_schedule_summary_says_in_plain_words_what_is_saved()
    {
        Assert.Equal("Mon–Fri 08:00–18:00 America/Chicago",
            Schedule.Summarize(new ScheduleConfig { TimeZone = "America/Chicago", Days = ["mon", "tue", "wed", "thu", "fri"], Start = "08:00", End = "18:00" }));
        Assert.Equal("Weekends all day UTC", Schedule.Summarize(new ScheduleConfig { TimeZone = "UTC", Days = ["sat", "sun"], Start = "00:00", End = "24:00" }));
        Assert.Equal("Mon, Wed–Fri 22:00–06:00 (overnight) UTC",
            Schedule.Summarize(new ScheduleConfig { TimeZone = "UTC", Days = ["mon", "wed", "thu", "fri"], Start = "22:00", End = "06:00" }));
    }
}
