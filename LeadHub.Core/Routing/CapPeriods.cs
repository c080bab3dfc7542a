using System.Globalization;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Routing;

// One cap to respect for a lead now: the counter key of the current period and its limit.
public readonly record struct CapLimit(string Key, int? MaxCount, decimal? MaxAmount)
{
    // Whether a counter at (count, amount) is full; `extra` is the amount about to be added: a
    // budget is full if this sale would overshoot it.
    public bool IsFull(int count, decimal amount, decimal extra = 0) =>
        MaxCount is { } max && count >= max
        || MaxAmount is { } budget && (extra > 0 ? amount + extra > budget : amount >= budget);

    // The trace reason of a lead this limit stopped.
    public string Describe() =>
        MaxCount is { } max
            ? string.Create(CultureInfo.InvariantCulture, $"cap reached: {Key} ({max})")
            : string.Create(CultureInfo.InvariantCulture, $"budget reached: {Key} ({MaxAmount})");
}

// Caps count per calendar period of the contract's time zone, so "daily" resets at the buyer's
// midnight, not at UTC midnight. The period is part of the key: a new period starts a new counter.
public static class CapPeriods
{
    private static readonly CapLimit[] None = [];

    // The caps of a contract and of its buyer. A buyer's contracts may sit in different time
    // zones, so buyer-level periods count in the buyer's own zone (BuyerConfig.TimeZone, UTC if unset).
    public static IReadOnlyList<CapLimit> ForContract(ContractSnapshot contract, DateTimeOffset now)
    {
        // Most contracts have no caps: their scope's name is not even built (this runs per contract per lead).
        var contractLimits = Uncapped(contract.Config.Caps) ? None : For("contract:" + contract.Key, contract.Config.Caps, contract.Schedule.TimeZone, now);
        var buyerLimits = ForBuyer(contract.Buyer, now);
        if (buyerLimits.Count == 0) return contractLimits;
        if (contractLimits.Count == 0) return buyerLimits;
        return [.. contractLimits, .. buyerLimits];
    }

    public static IReadOnlyList<CapLimit> ForBuyer(BuyerSnapshot buyer, DateTimeOffset now) =>
        Uncapped(buyer.Config.Caps) ? None : For("buyer:" + buyer.Key, buyer.Config.Caps, buyer.Zone, now);

    private static bool Uncapped([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] CapsConfig? caps) => caps is null or { Hourly: null, Daily: null, Weekly: null, Monthly: null, DailyBudget: null };

    public static IReadOnlyList<CapLimit> For(string scope, CapsConfig? caps, TimeZoneInfo zone, DateTimeOffset utcNow)
    {
        if (Uncapped(caps)) return None;

        var local = TimeZoneInfo.ConvertTime(utcNow, zone).DateTime;
        var inv = CultureInfo.InvariantCulture;
        var day = local.ToString("yyyy-MM-dd", inv);
        var limits = new List<CapLimit>(5);
        if (caps.Hourly is { } hourly)
            limits.Add(new($"{scope}:hour:{local.ToString("yyyy-MM-dd'T'HH", inv)}", hourly, null));
        if (caps.Daily is { } daily)
            limits.Add(new($"{scope}:day:{day}", daily, null));
        if (caps.Weekly is { } weekly)
            limits.Add(new(string.Create(inv, $"{scope}:week:{ISOWeek.GetYear(local):D4}-W{ISOWeek.GetWeekOfYear(local):D2}"), weekly, null));
        if (caps.Monthly is { } monthly)
            limits.Add(new($"{scope}:month:{local.ToString("yyyy-MM", inv)}", monthly, null));
        if (caps.DailyBudget is { } budget)
            limits.Add(new($"{scope}:budget:{day}", null, budget));
        return limits;
    }

    public static IReadOnlyList<string> Check(CapsConfig? caps)
    {
        if (caps is null)
            return [];
        var problems = new List<string>();
        void NotNegative(string name, decimal? value)
        {
            if (value < 0)
                problems.Add($"{name} cap must not be negative (got {value.Value.ToString(CultureInfo.InvariantCulture)})");
        }
        NotNegative("hourly", caps.Hourly);
        NotNegative("daily", caps.Daily);
        NotNegative("weekly", caps.Weekly);
        NotNegative("monthly", caps.Monthly);
        NotNegative("dailyBudget", caps.DailyBudget);
        return problems;
    }
}
