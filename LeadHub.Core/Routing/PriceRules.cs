using System.Globalization;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Routing;

// A campaign's bid adjustments (README "Price rules"), like boberdoo's vendor and filter-set margins:
// the buyer is posted and billed its own bid; the adjusted value is what floors, ranking, the
// exclusive-or-shared choice and the publisher's payout go by. One rule applies per offer: the
// most specific that matches (contract 8, buyer 4, sub-id 2, publisher 1 point; ties: the first listed).
public sealed class PriceRules(IReadOnlyList<PriceRuleConfig> rules)
{
    public bool IsEmpty => rules.Count == 0;

    public PriceRuleConfig? RuleFor(string? publisher, string? subId, string buyer, string contract)
    {
        PriceRuleConfig? best = null;
        var bestScore = -1;
        foreach (var rule in rules)
        {
            if (rule.Publisher is not null && rule.Publisher != publisher) continue;
            if (rule.SubId is not null && rule.SubId != subId) continue;
            if (rule.Buyer is not null && rule.Buyer != buyer) continue;
            if (rule.Contract is not null && rule.Contract != contract) continue;
            var score = (rule.Contract is null ? 0 : 8) + (rule.Buyer is null ? 0 : 4) + (rule.SubId is null ? 0 : 2) + (rule.Publisher is null ? 0 : 1);
            if (score > bestScore) (best, bestScore) = (rule, score);
        }
        return best;
    }

    // The value of a bid after the rule that applies, and the trace's words for it (null: no rule).
    public (decimal Value, string? Note) Apply(decimal bid, string? publisher, string? subId, ContractSnapshot contract)
    {
        if (rules.Count == 0) return (bid, null);
        var rule = RuleFor(publisher, subId, contract.Buyer.Key, contract.Key);
        if (rule is null) return (bid, null);
        var off = rule.Kind == PriceRuleKinds.Fixed ? rule.Amount : bid * rule.Amount / 100m;
        // Never below zero; rounded down to the cent like payouts, so an adjustment never adds a fraction.
        var value = Math.Max(0, Math.Round(bid - off, 2, MidpointRounding.ToZero));
        return (value, Describe(bid, value, rule));
    }

    public static string Describe(decimal bid, decimal value, PriceRuleConfig rule)
    {
        var size = rule.Kind == PriceRuleKinds.Fixed
            ? Math.Abs(rule.Amount).ToString("0.00", CultureInfo.InvariantCulture)
            : Math.Abs(rule.Amount).ToString("0.##", CultureInfo.InvariantCulture) + " %";
        var what = rule.Amount < 0 ? "boost" : "margin";
        return string.Create(CultureInfo.InvariantCulture, $"bid {bid:0.00} → {value:0.00} after a {size} {what} for {ScopeOf(rule)}");
    }

    public static string ScopeOf(PriceRuleConfig rule)
    {
        var parts = new List<string>();
        if (rule.Publisher is not null) parts.Add("publisher " + rule.Publisher);
        if (rule.SubId is not null) parts.Add("sub-id " + rule.SubId);
        if (rule.Buyer is not null) parts.Add("buyer " + rule.Buyer);
        if (rule.Contract is not null) parts.Add("contract " + rule.Contract);
        return parts.Count == 0 ? "the campaign" : string.Join(", ", parts);
    }
}
