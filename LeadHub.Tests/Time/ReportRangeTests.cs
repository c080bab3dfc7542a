using System.Globalization;
using LeadHub.Web.Components.Shared;

namespace LeadHub.Tests.Time;

// Ranges are picked in the user's zone: in New York "Today" starts at New York's midnight.
public class ReportRangeTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture);

    // 2026-12-02T03:30Z is still Tuesday 1 December, 22:30, in New York (EST, UTC−5).
    private static readonly DateTimeOffset Now = At("2026-12-02T03:30:00Z");

    [Theory]
    [InlineData("today", "2026-12-01T05:00:00Z", "2026-12-02T03:30:00Z")]
    [InlineData("yesterday", "2026-11-30T05:00:00Z", "2026-12-01T05:00:00Z")]
    [InlineData("7d", "2026-11-25T05:00:00Z", "2026-12-02T03:30:00Z")]
    [InlineData("30d", "2026-11-02T05:00:00Z", "2026-12-02T03:30:00Z")]
    [InlineData("mtd", "2026-12-01T05:00:00Z", "2026-12-02T03:30:00Z")]
    [InlineData("last-month", "2026-11-01T04:00:00Z", "2026-12-01T05:00:00Z")] // 1 November was still EDT (UTC−4)
    [InlineData("hour", "2026-12-02T02:30:00Z", "2026-12-02T03:30:00Z")]
    public void Presets_resolve_in_the_users_zone(string preset, string from, string to)
    {
        var (f, t) = new ReportRange(preset).Resolve(Now, NewYork);
        Assert.Equal((At(from), At(to)), (f, t));
    }

    [Fact]
    public void Today_in_utc_is_already_the_next_day_at_the_same_instant()
    {
        var (from, _) = ReportRange.Today.Resolve(Now, TimeZoneInfo.Utc);
        Assert.Equal(At("2026-12-02T00:00:00Z"), from);
    }

    [Fact]
    public void Custom_range_is_wall_clock_time_in_the_users_zone()
    {
        var range = ReportRange.Parse("custom:2026-11-30T08:00~2026-11-30T17:30");
        Assert.NotNull(range);
        Assert.Equal((At("2026-11-30T13:00:00Z"), At("2026-11-30T22:30:00Z")), range.Resolve(Now, NewYork));
        Assert.Equal("custom:2026-11-30T08:00~2026-11-30T17:30", range.ToString());
    }

    [Theory]
    [InlineData("custom:2026-11-30T17:00~2026-11-30T08:00")] // ends before it starts
    [InlineData("custom:yesterday~today")]
    [InlineData("tomorrow")]
    [InlineData("custom:2026-11-30")]
    public void Unreadable_ranges_are_refused(string text) => Assert.Null(ReportRange.Parse(text));

    // 8 March 2026: New York skips 02:00–03:00; a day still starts at its midnight.
    [Fact]
    public void A_day_with_a_daylight_saving_jump_starts_at_local_midnight()
    {
        var (from, to) = new ReportRange("yesterday").Resolve(At("2026-03-09T12:00:00Z"), NewYork);
        Assert.Equal((At("2026-03-08T05:00:00Z"), At("2026-03-09T04:00:00Z")), (from, to));
        Assert.Equal(TimeSpan.FromHours(23), to - from);
    }
}
