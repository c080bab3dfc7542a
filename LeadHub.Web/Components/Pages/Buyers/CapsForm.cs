using System.Globalization;
using LeadHub.Core.Workspace;

namespace LeadHub.Web.Components.Pages.Buyers;

// Editable caps of a buyer or a contract. Every empty field means "no cap"; all empty is no caps at all.
public sealed class CapsForm
{
    public int? Hourly { get; set; }
    public int? Daily { get; set; }
    public int? Weekly { get; set; }
    public int? Monthly { get; set; }
    public decimal? DailyBudget { get; set; }

    public static CapsForm From(CapsConfig? caps) => new()
    {
        Hourly = caps?.Hourly, Daily = caps?.Daily, Weekly = caps?.Weekly, Monthly = caps?.Monthly, DailyBudget = caps?.DailyBudget,
    };

    public CapsConfig? ToConfig() =>
        Hourly is null && Daily is null && Weekly is null && Monthly is null && DailyBudget is null
            ? null
            : new CapsConfig { Hourly = Hourly, Daily = Daily, Weekly = Weekly, Monthly = Monthly, DailyBudget = DailyBudget };

    // "daily 100 · monthly 2,000 · $1,500.00/day", or null without caps.
    public static string? Describe(CapsConfig? caps)
    {
        if (caps is null) return null;
        var parts = new List<string>();
        void Add(string name, int? value)
        {
            if (value is { } v) parts.Add($"{name} {v.ToString("N0", CultureInfo.InvariantCulture)}");
        }
        Add("hourly", caps.Hourly);
        Add("daily", caps.Daily);
        Add("weekly", caps.Weekly);
        Add("monthly", caps.Monthly);
        if (caps.DailyBudget is { } budget) parts.Add($"{budget.ToString("C2", CultureInfo.GetCultureInfo("en-US"))}/day");
        return parts.Count == 0 ? null : string.Join(" · ", parts);
    }
}
