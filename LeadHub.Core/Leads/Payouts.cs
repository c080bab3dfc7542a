using LeadHub.Core.Workspace;

namespace LeadHub.Core.Leads;

public static class Payouts
{
    // CONTRACT §3.8. Rounded down to the cent: a publisher is never paid more than agreed.
    public static decimal For(PayoutConfig payout, decimal salePrice) => payout.Model switch
    {
        PayoutModels.Fixed => payout.Amount ?? 0,
        _ => Math.Round(salePrice * (payout.Percent ?? 0) / 100m, 2, MidpointRounding.ToZero),
    };
}
