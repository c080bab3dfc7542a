using System.Globalization;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Routing;

// When a contract takes leads: a daily window on some week days, in the contract's own time zone.
public sealed class Schedule
{
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    private const int AllDays = 0b111_1111;

    private static readonly Schedule Always = new(TimeZoneInfo.Utc, AllDays, 0, 24 * 60, "always open");

    private readonly int _days;     // bit n = DayOfWeek n
    private readonly int _start;    // minutes after local midnight
    private readonly int _end;

    private Schedule(TimeZoneInfo zone, int days, int start, int end, string description)
    {
        TimeZone = zone;
        _days = days;
        _start = start;
        _end = end;
        Description = description;
    }

    public TimeZoneInfo TimeZone { get; }

    public string Description { get; }

    public static IReadOnlyList<string> Check(ScheduleConfig config)
    {
        var problems = new List<string>();
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(config.TimeZone ?? "", out _))
            problems.Add($"unknown time zone '{config.TimeZone}' (use an IANA id such as America/Los_Angeles)");
        foreach (var day in config.Days ?? [])
        {
            if (DayIndex(day) < 0)
                problems.Add($"unknown day '{day}'; days are {string.Join(", ", DayNames[1..])}, sun");
        }
        if (ParseTime(config.Start) is not (>= 0 and < 24 * 60))
            problems.Add($"start '{config.Start}' is not a time HH:mm between 00:00 and 23:59");
        if (ParseTime(config.End) < 0)
            problems.Add($"end '{config.End}' is not a time HH:mm between 00:00 and 24:00");
        return problems;
    }

    public static Schedule Compile(ScheduleConfig? config)
    {
        if (config is null)
            return Always;
        var problems = Check(config);
        if (problems.Count > 0)
            throw new ArgumentException($"Invalid schedule: {string.Join("; ", problems)}", nameof(config));

        var days = config.Days is null or [] ? AllDays : config.Days.Aggregate(0, (mask, d) => mask | 1 << DayIndex(d));
        var dayText = days == AllDays
            ? "every day"
            : string.Join(",", Enumerable.Range(1, 7).Select(i => i % 7).Where(i => (days & 1 << i) != 0).Select(i => DayNames[i]));
        return new Schedule(TimeZoneInfo.FindSystemTimeZoneById(config.TimeZone), days, ParseTime(config.Start), ParseTime(config.End),
            $"{dayText} {config.Start}-{config.End} {config.TimeZone}");
    }

    public bool IsOpen(DateTimeOffset utcNow)
    {
        var local = TimeZoneInfo.ConvertTime(utcNow, TimeZone);
        var minute = (int)local.TimeOfDay.TotalMinutes;
        var day = (int)local.DayOfWeek;
        if (_start < _end)
            return minute >= _start && minute < _end && IsDay(day);

        // Across midnight: the hours after midnight belong to the window that opened the evening before.
        if (minute >= _start)
            return IsDay(day);
        return minute < _end && IsDay((day + 6) % 7);
    }

    // When the window next opens after `utcNow` (the portal's "outside schedule until"); null when
    // the schedule is always open or never opens.
    public DateTimeOffset? NextOpen(DateTimeOffset utcNow)
    {
        if (_days == AllDays && _start == 0 && _end >= 24 * 60) return null;
        var local = TimeZoneInfo.ConvertTime(utcNow, TimeZone).DateTime;
        for (var d = 0; d <= 7; d++)
        {
            var opens = local.Date.AddDays(d).AddMinutes(_start);
            if (opens <= local || !IsDay((int)opens.DayOfWeek)) continue;
            // A window that opens in a spring-forward gap opens when the clock jumps.
            while (TimeZone.IsInvalidTime(opens)) opens = opens.AddMinutes(30);
            return TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(opens, DateTimeKind.Unspecified), TimeZone);
        }
        return null;
    }

    // A schedule in plain words, as a manager would say it: "Mon–Fri 08:00–18:00 America/Chicago".
    public static string Summarize(ScheduleConfig config)
    {
        var days = config.Days is null or [] ? AllDays : config.Days.Aggregate(0, (mask, d) => DayIndex(d) < 0 ? mask : mask | 1 << DayIndex(d));
        var (start, end) = (ParseTime(config.Start), ParseTime(config.End));
        var hours = start == 0 && end is 0 or 24 * 60 ? "all day"
            : $"{config.Start}–{config.End}" + (end >= 0 && end <= start ? " (overnight)" : "");
        return $"{DaysInWords(days)} {hours} {config.TimeZone}";
    }

    // "Every day", "Mon–Fri", "Weekends", or runs of days: "Mon, Wed–Fri".
    private static string DaysInWords(int days)
    {
        if (days == AllDays) return "Every day";
        if (days == 0b011_1110) return "Mon–Fri";
        if (days == 0b100_0001) return "Weekends";
        // Monday-first order; runs of three or more are written as a range.
        int[] order = [1, 2, 3, 4, 5, 6, 0];
        var parts = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            if ((days & 1 << order[i]) == 0) continue;
            var j = i;
            while (j + 1 < 7 && (days & 1 << order[j + 1]) != 0) j++;
            string Name(int k) => char.ToUpperInvariant(DayNames[order[k]][0]) + DayNames[order[k]][1..];
            parts.Add(j - i >= 2 ? $"{Name(i)}–{Name(j)}" : j > i ? $"{Name(i)}, {Name(j)}" : Name(i));
            i = j;
        }
        return string.Join(", ", parts);
    }

    public override string ToString() => Description;

    private bool IsDay(int day) => (_days & 1 << day) != 0;

    private static int DayIndex(string? day) => Array.IndexOf(DayNames, day?.ToLowerInvariant());

    // Minutes after midnight for "HH:mm" (00:00..24:00), or -1.
    private static int ParseTime(string? text)
    {
        if (text is not { Length: 5 } || text[2] != ':'
            || !int.TryParse(text.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            || !int.TryParse(text.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            || m > 59 || h * 60 + m > 24 * 60)
            return -1;
        return h * 60 + m;
    }
}
