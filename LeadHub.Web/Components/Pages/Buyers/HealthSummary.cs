using LeadHub.Core.Delivery;
using MudBlazor;

namespace LeadHub.Web.Components.Pages.Buyers;

// One buyer's health in a chip: the worst of its contracts' circuit breakers and today's post errors.
public sealed record HealthSummary(string Summary, Color Color, string Icon, string Detail)
{
    public static HealthSummary Of(IReadOnlyList<ContractHealthView> contracts)
    {
        if (contracts.Count == 0)
            return new("no contracts", Color.Default, Icons.Material.Filled.Remove, "This buyer has no contracts.");
        var detail = string.Join("\n", contracts.Select(Describe));
        var open = contracts.Count(c => c.Circuit == "open");
        if (open > 0)
            return new($"{open} circuit{(open == 1 ? "" : "s")} open", Color.Error, Icons.Material.Filled.ErrorOutline, detail);
        var halfOpen = contracts.Count(c => c.Circuit == "half-open");
        if (halfOpen > 0)
            return new("recovering", Color.Warning, Icons.Material.Filled.Autorenew, detail);
        var errors = contracts.Sum(c => c.PostErrorsToday);
        if (errors > 0)
            return new($"{errors} post error{(errors == 1 ? "" : "s")} today", Color.Warning, Icons.Material.Filled.WarningAmber, detail);
        return new("healthy", Color.Success, Icons.Material.Filled.CheckCircleOutline, detail);
    }

    public static string Describe(ContractHealthView c) =>
        $"{c.Contract}: circuit {c.Circuit}, {c.ConsecutiveFailures} failures in a row, {c.PostErrorsToday} post errors today, {c.SkippedPings} pings skipped";
}
