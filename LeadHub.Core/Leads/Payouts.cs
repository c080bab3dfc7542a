using LeadHub.Core.Workspace;

namespace LeadHub.Core.Leads;

// The one place a publisher's payout is computed (CONTRACT §3.8 and README "Payout rules").
public static class Payouts
{
    // `basis`: what the lead earned after price rules (the sum over its sales when shared);
    // `revenue`: what the buyers pay, which a minimum margin is kept from (the basis if not given).
    // Rounded down to the cent: a publisher is never paid more than agreed.
    public static decimal For(PayoutConfig payout, decimal basis, decimal? revenue = null)
    {
        var amount = payout.Model switch
        {
            PayoutModels.Fixed => payout.Amount ?? 0,
            _ => basis * (payout.Percent ?? 0) / 100m,
        };
        if (payout.Max is { } max) amount = Math.Min(amount, max);
        if (payout.MinMargin is { } margin) amount = Math.Min(amount, (revenue ?? basis) - margin);
        return Math.Max(0, Math.Round(amount, 2, MidpointRounding.ToZero));
    }

    // A sold lead's payout split over its sales in proportion to each sale's basis, for a return
    // to credit back only that sale's share; the last sale takes the cents rounding left over.
    public static IReadOnlyList<decimal> Shares(decimal payout, IReadOnlyList<decimal> bases)
    {
        var total = bases.Sum();
        var shares = new decimal[bases.Count];
        var given = 0m;
        for (var i = 0; i < bases.Count; i++)
        {
            shares[i] = i == bases.Count - 1 ? payout - given
                : total == 0 ? 0 : Math.Round(payout * bases[i] / total, 2, MidpointRounding.ToZero);
            given += shares[i];
        }
        return shares;
    }
}
