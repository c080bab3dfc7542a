namespace LeadHub.Core.Routing;

// What expected-value ranking multiplies an offer's value by: the chance the contract's buyer takes
// the post and the chance it keeps the lead (no return), from its recent history.
public interface IContractOdds
{
    ContractOdds.Odds Of(string contract);
}

// Live odds: acceptance from the last posts (RecentRejects), returns from the rates the return
// statistics job last published. Both shrink toward a prior so that a contract with a handful of
// posts is neither a sure thing nor written off: (accepted + 9·0.9) / (posts + 9) with 9 pseudo-posts
// at 90 % acceptance, and returns likewise with 20 pseudo-sales at 5 %.
public sealed class ContractOdds(RecentRejects rejects) : IContractOdds
{
    public sealed record Odds(double Accept, double Kept)
    {
        public double Factor => Accept * Kept;
    }

    public const double PriorAccept = 0.9, PriorAcceptWeight = 9, PriorReturn = 0.05, PriorReturnWeight = 20;

    private volatile IReadOnlyDictionary<string, (int Sold, int Returned)> _returns = new Dictionary<string, (int, int)>();

    // Sales and returns per contract over the recent window, replaced whole by whoever counts them.
    public void PublishReturns(IReadOnlyDictionary<string, (int Sold, int Returned)> returns) => _returns = returns;

    public Odds Of(string contract)
    {
        var (posts, rejected) = rejects.CountsOf(contract);
        var (sold, returned) = _returns.GetValueOrDefault(contract);
        return From(posts, rejected, sold, returned);
    }

    public static Odds From(int posts, int rejected, int sold, int returned) => new(
        (posts - rejected + PriorAccept * PriorAcceptWeight) / (posts + PriorAcceptWeight),
        1 - (returned + PriorReturn * PriorReturnWeight) / (sold + PriorReturnWeight));
}
