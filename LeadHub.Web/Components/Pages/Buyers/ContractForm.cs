using System.Text.Json;
using LeadHub.Core.Workspace;

namespace LeadHub.Web.Components.Pages.Buyers;

// The contract editor's working copy. A failed save keeps it as typed; only a successful
// save reloads it from the workspace.
public sealed class ContractForm
{
    public static readonly string[] DayKeys = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    // The schedule's day presets; any other set of days is "Custom".
    public static readonly IReadOnlyList<(string Id, string Label, string[] Days)> DayPresets =
    [
        ("every-day", "Every day", DayKeys),
        ("weekdays", "Mon–Fri", ["mon", "tue", "wed", "thu", "fri"]),
        ("weekends", "Weekends", ["sat", "sun"]),
    ];

    // Settings this editor does not show (the request/response format) ride along unchanged.
    private ContractConfig _original = new();

    public string Key { get; set; } = "";
    public string Campaign { get; set; } = "";
    public bool Active { get; set; } = true;
    public string Mode { get; set; } = ContractModes.PingPost;
    public int Tier { get; set; }
    public int Priority { get; set; } = 1;
    public string? PingUrl { get; set; }
    public string? PostUrl { get; set; }
    public decimal? Price { get; set; }
    public decimal? MinBid { get; set; }
    public decimal? MaxBid { get; set; }

    // README "Shared leads": exclusive, shared or both, and the shared price.
    public string SaleType { get; set; } = SaleTypes.Exclusive;
    public decimal? SharedPrice { get; set; }
    public int TimeoutMs { get; set; } = 300;
    public int PostTimeoutMs { get; set; } = 3000;
    public bool Sandbox { get; set; }
    public int BreakAfterFailures { get; set; } = 5;
    public int BreakCoolDownSeconds { get; set; } = 30;
    public int? MaxPostErrors { get; set; }
    public int? MaxPingsPerSecond { get; set; }
    public int? MaxPingsPerMinute { get; set; }
    public CapsForm Caps { get; set; } = new();
    public bool UseSchedule { get; set; }
    public string TimeZone { get; set; } = "America/New_York";
    public IEnumerable<string> Days { get; set; } = ["mon", "tue", "wed", "thu", "fri"];
    public string Start { get; set; } = "08:00";
    public string End { get; set; } = "20:00";
    public List<FilterRow> Filters { get; set; } = [];

    // The request/response format as JSON (README "Buyer formats"); empty = reference JSON.
    public string FormatJson { get; set; } = "";

    // Write-only: a new password or token; empty keeps the stored one.
    public string? NewSecret { get; set; }

    public bool IsDirectPost => Mode == ContractModes.DirectPost;

    public static ContractForm From(ContractConfig c) => new()
    {
        _original = c,
        Key = c.Key, Campaign = c.Campaign, Active = c.Active, Mode = c.Mode, Tier = c.Tier, Priority = c.Priority,
        PingUrl = c.PingUrl, PostUrl = c.PostUrl, Price = c.Price, MinBid = c.MinBid, MaxBid = c.MaxBid, TimeoutMs = c.TimeoutMs,
        SaleType = c.SaleType ?? SaleTypes.Exclusive, SharedPrice = c.SharedPrice,
        PostTimeoutMs = c.PostTimeoutMs, Sandbox = c.Sandbox, BreakAfterFailures = c.BreakAfterFailures,
        BreakCoolDownSeconds = c.BreakCoolDownSeconds, MaxPostErrors = c.MaxPostErrors, MaxPingsPerSecond = c.MaxPingsPerSecond,
        MaxPingsPerMinute = c.MaxPingsPerMinute, Caps = CapsForm.From(c.Caps),
        UseSchedule = c.Schedule is not null,
        TimeZone = c.Schedule?.TimeZone ?? "America/New_York",
        // Stored "no days" means every day (CONTRACT §4): the form shows the seven days it means.
        Days = c.Schedule is null ? ["mon", "tue", "wed", "thu", "fri"] : c.Schedule.Days is [] ? [.. DayKeys] : c.Schedule.Days.ToList(),
        Start = c.Schedule?.Start ?? "08:00",
        End = c.Schedule?.End ?? "20:00",
        Filters = c.Filters.Select(FilterRow.From).ToList(),
        FormatJson = c.Format is null ? "" : JsonSerializer.Serialize(c.Format, WorkspaceJson.Options),
    };

    // The preset the shown days match, or "custom".
    public string DayPreset => DayPresets.FirstOrDefault(p => p.Days.Length == Days.Count() && p.Days.All(Days.Contains)).Id ?? "custom";

    public void ApplyDayPreset(string id)
    {
        if (DayPresets.FirstOrDefault(p => p.Id == id) is { Days: { } days }) Days = [.. days];
    }

    // What stops the schedule from being saved, said plainly; empty when it is fine. The portal
    // never saves an empty day set (which the file format reads as "every day").
    public IReadOnlyList<string> ScheduleProblems()
    {
        if (!UseSchedule) return [];
        var problems = new List<string>();
        if (!Days.Any()) problems.Add("Pick at least one day.");
        var start = Minutes(Start);
        var end = Minutes(End);
        if (start is null or >= 24 * 60) problems.Add("From must be a time HH:mm between 00:00 and 23:59.");
        if (end is null) problems.Add("Until must be a time HH:mm between 00:00 and 24:00.");
        if (start is not null && start == end) problems.Add("From and Until are the same time: for the whole day use 00:00–24:00.");
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone?.Trim() ?? "", out _)) problems.Add("Pick a time zone from the list, e.g. America/Chicago.");
        return problems;
    }

    // The schedule as it will be saved, in plain words, or null while it is not valid.
    public string? ScheduleSummary() =>
        !UseSchedule ? "Always open, every day."
        : ScheduleProblems().Count > 0 ? null
        : LeadHub.Core.Routing.Schedule.Summarize(ScheduleConfig());

    private ScheduleConfig ScheduleConfig() => new()
    {
        TimeZone = TimeZone.Trim(),
        Days = DayKeys.Where(Days.Contains).ToList(),
        Start = Start.Trim(),
        End = End.Trim(),
    };

    private static int? Minutes(string? text)
    {
        text = text?.Trim();
        if (text is not { Length: 5 } || text[2] != ':' || !int.TryParse(text[..2], out var h) || !int.TryParse(text[3..], out var m)
            || !char.IsAsciiDigit(text[0]) || !char.IsAsciiDigit(text[3]) || m > 59 || h * 60 + m > 24 * 60)
            return null;
        return h * 60 + m;
    }

    // Null error = fine (null format = reference JSON). The validator checks the rest on save.
    public (BuyerFormat? Format, string? Error) ParseFormat()
    {
        if (string.IsNullOrWhiteSpace(FormatJson)) return (null, null);
        try
        {
            var format = JsonSerializer.Deserialize<BuyerFormat>(FormatJson, WorkspaceJson.ImportOptions);
            if (format?.Auth is { } auth && !string.IsNullOrEmpty(NewSecret))
                format = format with
                {
                    Auth = auth.Type == AuthTypes.Bearer ? auth with { Token = NewSecret } : auth with { Password = NewSecret },
                };
            return (format, null);
        }
        catch (JsonException e)
        {
            return (null, "not valid format JSON" + (e.Path is null ? "" : $" at {e.Path}") + ": " + e.Message.Split('.')[0]);
        }
    }

    // What is hidden for the mode is not saved: a direct-post contract is never pinged, so it has no bids to bound.
    public ContractConfig ToConfig(CampaignConfig? campaign, BuyerFormat? format) => _original with
    {
        Format = format,
        Key = Key.Trim(),
        Campaign = Campaign,
        Active = Active,
        Mode = Mode,
        Tier = Tier,
        Priority = Priority,
        // Exclusive is the default, stored as nothing so existing contracts export unchanged.
        SaleType = SaleType == SaleTypes.Exclusive ? null : SaleType,
        SharedPrice = SharedPrice,
        PingUrl = IsDirectPost ? null : Blank(PingUrl),
        PostUrl = Blank(PostUrl),
        // Direct-post: the fixed price; ping-post: the agreed price for a "matched" answer without a bid.
        Price = Price,
        MinBid = IsDirectPost ? null : MinBid,
        MaxBid = IsDirectPost ? null : MaxBid,
        TimeoutMs = TimeoutMs,
        PostTimeoutMs = PostTimeoutMs,
        Sandbox = Sandbox,
        BreakAfterFailures = BreakAfterFailures,
        BreakCoolDownSeconds = BreakCoolDownSeconds,
        MaxPostErrors = MaxPostErrors,
        MaxPingsPerSecond = MaxPingsPerSecond,
        MaxPingsPerMinute = MaxPingsPerMinute,
        Caps = Caps.ToConfig(),
        // Exactly the days shown: never an empty list standing for "every day".
        Schedule = UseSchedule ? ScheduleConfig() : null,
        Filters = Filters.Select(f => f.ToConfig(campaign?.Fields.FirstOrDefault(d => d.Name == f.Field))).ToList(),
    };

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
