using System.Globalization;
using LeadHub.Core.Routing;
using LeadHub.Core.Workspace;

namespace LeadHub.Tests.Routing;

public class CapPeriodsTests
{
    private static readonly TimeZoneInfo LosAngeles = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture);

    private static string Key(CapsConfig caps, TimeZoneInfo zone, string utc) =>
        Assert.Single(CapPeriods.For("contract:acme-auto", caps, zone, At(utc))).Key;

    [Fact]
    public void Every_configured_cap_gets_the_key_of_its_current_period()
    {
        var caps = new CapsConfig { Hourly = 10, Daily = 100, Weekly = 400, Monthly = 2000, DailyBudget = 1500.00m };
        Assert.Equal(
        [
            new CapLimit("contract:acme-auto:hour:2026-11-24T13", 10, null),
            new CapLimit("contract:acme-auto:day:2026-11-24", 100, null),
            new CapLimit("contract:acme-auto:week:2026-W48", 400, null),
            new CapLimit("contract:acme-auto:month:2026-11", 2000, null),
            new CapLimit("contract:acme-auto:budget:2026-11-24", null, 1500.00m),
        ],
            CapPeriods.For("contract:acme-auto", caps, TimeZoneInfo.Utc, At("2026-11-24T13:45:00Z")));
    }

    [Fact]
    public void Only_configured_caps_are_returned()
    {
        var limit = Assert.Single(CapPeriods.For("buyer:acme", new CapsConfig { Daily = 500 }, TimeZoneInfo.Utc, At("2026-11-24T13:45:00Z")));
        Assert.Equal(new CapLimit("buyer:acme:day:2026-11-24", 500, null), limit);
    }

    [Fact]
    public void No_caps_give_the_same_empty_list()
    {
        var none = CapPeriods.For("buyer:acme", null, TimeZoneInfo.Utc, At("2026-11-24T13:45:00Z"));
        Assert.Empty(none);
        Assert.Same(none, CapPeriods.For("buyer:acme", new CapsConfig(), LosAngeles, At("2026-11-24T13:45:00Z")));
    }

    // 2026-11-25T03:00Z is 2026-11-24 19:00 PST: the buyer's day has not ended yet.
    [Fact]
    public void Periods_follow_the_local_calendar_not_utc()
    {
        const string utc = "2026-11-25T03:00:00Z";
        Assert.Equal("contract:acme-auto:day:2026-11-24", Key(new() { Daily = 1 }, LosAngeles, utc));
        Assert.Equal("contract:acme-auto:day:2026-11-25", Key(new() { Daily = 1 }, TimeZoneInfo.Utc, utc));
        Assert.Equal("contract:acme-auto:hour:2026-11-24T19", Key(new() { Hourly = 1 }, LosAngeles, utc));
        Assert.Equal("contract:acme-auto:budget:2026-11-24", Key(new() { DailyBudget = 1 }, LosAngeles, utc));
    }

    [Fact]
    public void Month_changes_at_local_midnight()
    {
        Assert.Equal("contract:acme-auto:month:2026-11", Key(new() { Monthly = 1 }, LosAngeles, "2026-12-01T07:59:00Z"));
        Assert.Equal("contract:acme-auto:month:2026-12", Key(new() { Monthly = 1 }, LosAngeles, "2026-12-01T08:00:00Z"));
    }

    [Theory]
    [InlineData("2024-12-30T12:00:00Z", "2025-W01")]   // Monday of ISO week 1 of 2025
    [InlineData("2024-12-29T12:00:00Z", "2024-W52")]
    [InlineData("2027-01-01T12:00:00Z", "2026-W53")]   // Friday still in ISO week 53 of 2026
    [InlineData("2027-01-04T00:00:00Z", "2027-W01")]
    [InlineData("2021-01-03T12:00:00Z", "2020-W53")]
    [InlineData("2026-01-05T12:00:00Z", "2026-W02")]
    public void Week_is_the_iso_week_across_year_boundaries(string utc, string week) =>
        Assert.Equal($"contract:acme-auto:week:{week}", Key(new() { Weekly = 1 }, TimeZoneInfo.Utc, utc));

    [Fact]
    public void Week_changes_at_local_monday_midnight()
    {
        // Monday 2027-01-04 05:00Z is still Sunday evening in Los Angeles.
        Assert.Equal("contract:acme-auto:week:2026-W53", Key(new() { Weekly = 1 }, LosAngeles, "2027-01-04T05:00:00Z"));
        Assert.Equal("contract:acme-auto:week:2027-W01", Key(new() { Weekly = 1 }, LosAngeles, "2027-01-04T08:00:00Z"));
    }

    [Fact]
    public void Check_accepts_zero_and_positive_caps()
    {
        Assert.Empty(CapPeriods.Check(null));
        Assert.Empty(CapPeriods.Check(new CapsConfig { Hourly = 0, Daily = 1, Weekly = 2, Monthly = 3, DailyBudget = 0m }));
    }

    [Fact]
    public void Check_reports_each_negative_cap()
    {
        Assert.Equal(
        [
            "hourly cap must not be negative (got -1)",
            "monthly cap must not be negative (got -5)",
            "dailyBudget cap must not be negative (got -0.01)",
        ],
            CapPeriods.Check(new CapsConfig { Hourly = -1, Daily = 3, Monthly = -5, DailyBudget = -0.01m }));
    }

    [Fact]
    public void Buyer_caps_count_in_the_buyers_zone_and_contract_caps_in_the_schedules()
    {
        var buyer = new BuyerSnapshot(new BuyerConfig { Key = "acme", Caps = new() { Daily = 500 }, TimeZone = "America/New_York" }, null);
        var contract = new ContractSnapshot(new ContractConfig
        {
            Key = "acme-auto", Campaign = "auto", Caps = new() { Daily = 100 },
            Schedule = new ScheduleConfig { TimeZone = "America/Los_Angeles" },
        }, buyer);

        // 05:30Z: already Wednesday in UTC and New York (00:30), still Tuesday in Los Angeles (21:30).
        var keys = CapPeriods.ForContract(contract, At("2026-11-25T05:30:00Z")).Select(l => l.Key);

        Assert.Equal(["contract:acme-auto:day:2026-11-24", "buyer:acme:day:2026-11-25"], keys);
        Assert.Equal("buyer:acme:day:2026-11-24",
            CapPeriods.ForContract(contract, At("2026-11-25T04:30:00Z")).Select(l => l.Key).Last()); // 23:30 in New York
    }

    [Fact]
    public void A_buyer_without_a_time_zone_counts_utc_days()
    {
        var buyer = new BuyerSnapshot(new BuyerConfig { Key = "acme", Caps = new() { Daily = 500 } }, null);
        Assert.Equal(TimeZoneInfo.Utc.Id, buyer.Zone.Id);
    }
}
