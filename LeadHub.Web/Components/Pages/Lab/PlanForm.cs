using LeadHub.Core.Workspace;

namespace LeadHub.Web.Components.Pages.Lab;

// An editable routing plan (Workspace/RoutingPlan): every empty field means "as the campaign is".
// Used by the replay form and a live split's plan B.
public sealed class PlanForm
{
    public string? Strategy { get; set; }
    public string? Ranking { get; set; }
    public decimal? Floor { get; set; }
    public int? MaxPostAttempts { get; set; }
    public int? AuctionTimeoutMs { get; set; }
    public List<string> RemoveBuyers { get; set; } = [];
    public List<string> RemoveContracts { get; set; } = [];
    public List<string> RemoveTiers { get; set; } = [];

    // "contract-key=3" entries: the contract moves to tier 3 (a new number adds a tier).
    public List<string> MoveContracts { get; set; } = [];

    // "2=5.00" entries: tier 2's floor becomes 5.00.
    public List<string> TierFloors { get; set; } = [];

    public static PlanForm From(RoutingPlan? plan) => new()
    {
        Strategy = plan?.Strategy,
        Ranking = plan?.Ranking,
        Floor = plan?.Floor,
        MaxPostAttempts = plan?.MaxPostAttempts,
        AuctionTimeoutMs = plan?.AuctionTimeoutMs,
        RemoveBuyers = [.. plan?.RemoveBuyers ?? []],
        RemoveContracts = [.. plan?.RemoveContracts ?? []],
        RemoveTiers = [.. (plan?.RemoveTiers ?? []).Select(t => t.ToString(System.Globalization.CultureInfo.InvariantCulture))],
        MoveContracts = [.. (plan?.MoveContracts ?? []).Select(p => $"{p.Key}={p.Value}")],
        TierFloors = [.. (plan?.TierFloors ?? []).Select(p => $"{p.Key}={p.Value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}")],
    };

    // The plan, or the problems with what was typed (path → message) for the form to show.
    public (RoutingPlan Plan, Dictionary<string, string> Problems) ToPlan()
    {
        var problems = new Dictionary<string, string>();
        var tiers = new List<int>();
        foreach (var text in RemoveTiers)
        {
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var t)) tiers.Add(t);
            else problems["removeTiers"] = $"\"{text}\" is not a tier number";
        }
        var moves = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in MoveContracts)
        {
            var parts = text.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && parts[0].Length > 0 && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var t))
                moves[parts[0]] = t;
            else problems["moveContracts"] = $"\"{text}\" is not contract=tier (e.g. fallback-a=3)";
        }
        var floors = new Dictionary<int, decimal>();
        foreach (var text in TierFloors)
        {
            var parts = text.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var t)
                && Core.Delivery.Money.TryParse(parts[1], out var floor, out _) && floor >= 0)
                floors[t] = floor;
            else problems["tierFloors"] = $"\"{text}\" is not tier=floor (e.g. 2=5.00)";
        }
        var plan = new RoutingPlan
        {
            Strategy = string.IsNullOrEmpty(Strategy) ? null : Strategy,
            Ranking = string.IsNullOrEmpty(Ranking) ? null : Ranking,
            Floor = Floor,
            MaxPostAttempts = MaxPostAttempts,
            AuctionTimeoutMs = AuctionTimeoutMs,
            RemoveBuyers = RemoveBuyers.Count == 0 ? null : [.. RemoveBuyers],
            RemoveContracts = RemoveContracts.Count == 0 ? null : [.. RemoveContracts],
            RemoveTiers = tiers.Count == 0 ? null : tiers,
            MoveContracts = moves.Count == 0 ? null : moves,
            TierFloors = floors.Count == 0 ? null : floors,
        };
        return (plan, problems);
    }
}
