using LeadHub.Core.Routing;
using LeadHub.Core.Workspace;

namespace LeadHub.Tests.Routing;

public class ScheduleTests
{
    private static Schedule Compile(string zone, string start, string end, params string[] days) =>
        Schedule.Compile(new ScheduleConfig { TimeZone = zone, Start = start, End = end, Days = [.. days] });

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void No_schedule_is_always_open_in_utc()
    {
        var schedule = Schedule.Compile(null);
        Assert.Equal(TimeZoneInfo.Utc, schedule.TimeZone);
        Assert.True(schedule.IsOpen(At("2026-11-28T03:00:00Z")));
        Assert.True(schedule.IsOpen(At("2026-11-29T23:59:59Z")));
    }

    // CONTRACT §4: mon-fri 08:00-20:00 America/Los_Angeles; November is PST (UTC-8).
    [Theory]
    [InlineData("2026-11-24T16:00:00Z", true)]    // Tue 08:00
    [InlineData("2026-11-24T15:59:59Z", false)]   // Tue 07:59:59
    [InlineData("2026-11-25T03:59:00Z", true)]    // Tue 19:59, already Wednesday in UTC
    [InlineData("2026-11-25T04:00:00Z", false)]   // Tue 20:00, end is exclusive
    [InlineData("2026-11-28T03:00:00Z", true)]    // Fri 19:00, Saturday in UTC
    [InlineData("2026-11-28T18:00:00Z", false)]   // Sat 10:00
    [InlineData("2026-11-23T18:00:00Z", true)]    // Mon 10:00
    [InlineData("2026-11-23T06:00:00Z", false)]   // Sun 22:00, Monday in UTC
    public void Contract_example_is_open_weekdays_in_los_angeles(string utc, bool open)
    {
        var schedule = Compile("America/Los_Angeles", "08:00", "20:00", "mon", "tue", "wed", "thu", "fri");
        Assert.Equal(open, schedule.IsOpen(At(utc)));
    }

    [Theory]
    [InlineData("2026-11-27T22:00:00Z", true)]    // Fri 22:00
    [InlineData("2026-11-27T23:30:00Z", true)]
    [InlineData("2026-11-28T03:00:00Z", true)]    // Sat 03:00 belongs to Friday's window
    [InlineData("2026-11-28T05:59:00Z", true)]
    [InlineData("2026-11-28T06:00:00Z", false)]   // end is exclusive
    [InlineData("2026-11-27T03:00:00Z", false)]   // Fri 03:00 belongs to Thursday's window
    [InlineData("2026-11-28T22:00:00Z", false)]   // Sat 22:00 opens no window
    [InlineData("2026-11-27T21:59:00Z", false)]
    public void Window_across_midnight_belongs_to_start_day(string utc, bool open)
    {
        var schedule = Compile("UTC", "22:00", "06:00", "fri");
        Assert.Equal(open, schedule.IsOpen(At(utc)));
    }

    [Theory]
    [InlineData("2026-11-28T00:00:00Z", true)]
    [InlineData("2026-11-28T23:59:59Z", true)]
    [InlineData("2026-11-29T00:00:00Z", false)]
    [InlineData("2026-11-27T23:59:59Z", false)]
    public void Whole_day_window_covers_only_the_listed_days(string utc, bool open)
    {
        var schedule = Compile("UTC", "00:00", "24:00", "sat");
        Assert.Equal(open, schedule.IsOpen(At(utc)));
    }

    [Fact]
    public void Empty_days_means_every_day()
    {
        var schedule = Compile("UTC", "09:00", "10:00");
        for (var day = 23; day <= 29; day++)
        {
            Assert.True(schedule.IsOpen(new DateTimeOffset(2026, 11, day, 9, 30, 0, TimeSpan.Zero)));
            Assert.False(schedule.IsOpen(new DateTimeOffset(2026, 11, day, 10, 0, 0, TimeSpan.Zero)));
        }
    }

    // 2026-03-08 in New York: 02:00 EST jumps to 03:00 EDT, so 01:00-03:00 lasts one hour.
    [Theory]
    [InlineData("2026-03-08T05:59:00Z", false)]   // 00:59 EST
    [InlineData("2026-03-08T06:00:00Z", true)]    // 01:00 EST
    [InlineData("2026-03-08T06:59:00Z", true)]    // 01:59 EST
    [InlineData("2026-03-08T07:00:00Z", false)]   // 03:00 EDT
    public void Spring_forward_shortens_a_window_spanning_the_gap(string utc, bool open)
    {
        var schedule = Compile("America/New_York", "01:00", "03:00");
        Assert.Equal(open, schedule.IsOpen(At(utc)));
    }

    [Theory]
    [InlineData("2026-03-08T06:59:00Z", false)]   // 01:59 EST
    [InlineData("2026-03-08T07:00:00Z", true)]    // 03:00 EDT, the first local time at or after 02:00
    [InlineData("2026-03-08T07:59:00Z", true)]    // 03:59 EDT
    [InlineData("2026-03-08T08:00:00Z", false)]   // 04:00 EDT
    public void Spring_forward_window_starting_in_the_gap_opens_after_it(string utc, bool open)
    {
        var schedule = Compile("America/New_York", "02:00", "04:00");
        Assert.Equal(open, schedule.IsOpen(At(utc)));
    }

    // 2026-11-01 in New York: 02:00 EDT falls back to 01:00 EST, so 01:00-03:00 lasts three hours.
    [Theory]
    [InlineData("2026-11-01T04:59:00Z", false)]   // 00:59 EDT
    [InlineData("2026-11-01T05:00:00Z", true)]    // 01:00 EDT
    [InlineData("2026-11-01T06:30:00Z", true)]    // 01:30 EST, the second time round
    [InlineData("2026-11-01T07:59:00Z", true)]    // 02:59 EST
    [InlineData("2026-11-01T08:00:00Z", false)]   // 03:00 EST
    public void Fall_back_lengthens_a_window_spanning_the_repeated_hour(string utc, bool open)
    {
        var schedule = Compile("America/New_York", "01:00", "03:00");
        Assert.Equal(open, schedule.IsOpen(At(utc)));
    }

    [Fact]
    public void Time_zone_is_resolved_from_its_iana_id()
    {
        var schedule = Compile("America/Los_Angeles", "08:00", "20:00");
        Assert.Equal(TimeSpan.FromHours(-8), schedule.TimeZone.GetUtcOffset(At("2026-11-24T12:00:00Z")));
    }

    [Fact]
    public void Description_names_days_window_and_zone()
    {
        Assert.Equal("mon,tue,wed,thu,fri 08:00-20:00 America/Los_Angeles",
            Compile("America/Los_Angeles", "08:00", "20:00", "fri", "mon", "tue", "wed", "thu").Description);
        Assert.Equal("every day 22:00-06:00 UTC", Compile("UTC", "22:00", "06:00").Description);
    }

    [Fact]
    public void Check_accepts_a_valid_schedule()
    {
        Assert.Empty(Schedule.Check(new ScheduleConfig
            { TimeZone = "Europe/Berlin", Days = ["mon", "Sun"], Start = "00:00", End = "24:00" }));
    }

    [Fact]
    public void Check_reports_an_unknown_time_zone()
    {
        var problem = Assert.Single(Schedule.Check(new ScheduleConfig { TimeZone = "Mars/Olympus_Mons" }));
        Assert.StartsWith("unknown time zone 'Mars/Olympus_Mons'", problem);
    }

    [Fact]
    public void Check_reports_each_bad_day_name()
    {
        Assert.Equal(
        [
            "unknown day 'monday'; days are mon, tue, wed, thu, fri, sat, sun",
            "unknown day 'x'; days are mon, tue, wed, thu, fri, sat, sun",
        ],
            Schedule.Check(new ScheduleConfig { Days = ["mon", "monday", "x"] }));
    }

    [Theory]
    [InlineData("8:00")]
    [InlineData("08:00:00")]
    [InlineData("25:00")]
    [InlineData("12:60")]
    [InlineData("24:00")]
    [InlineData("ab:cd")]
    [InlineData("-1:00")]
    [InlineData("")]
    public void Check_reports_a_start_that_is_not_a_time_of_day(string start)
    {
        var problem = Assert.Single(Schedule.Check(new ScheduleConfig { Start = start }));
        Assert.Equal($"start '{start}' is not a time HH:mm between 00:00 and 23:59", problem);
    }

    [Theory]
    [InlineData("24:01")]
    [InlineData("7:30")]
    [InlineData("07.30")]
    public void Check_reports_an_end_that_is_not_a_time_of_day(string end)
    {
        var problem = Assert.Single(Schedule.Check(new ScheduleConfig { End = end }));
        Assert.Equal($"end '{end}' is not a time HH:mm between 00:00 and 24:00", problem);
    }

    [Fact]
    public void Compile_rejects_a_schedule_with_problems()
    {
        var e = Assert.Throws<ArgumentException>(() => Compile("Nowhere/City", "08:00", "20:00"));
        Assert.Contains("Nowhere/City", e.Message);
    }
}
