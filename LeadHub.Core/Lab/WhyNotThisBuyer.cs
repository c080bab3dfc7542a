using System.Globalization;
using LeadHub.Core.Leads;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Lab;

// Why a contract did or did not get a lead, in a manager's words: one line per contract of the
// lead's campaign. Read from the lead's routing trace (every ping, skip and post is there with
// its reason) and the campaign's contracts as configured now; a contract the trace never
// mentions is explained by where routing stopped (an earlier tier sold) or by what it is now.
public sealed record ContractVerdict(string Contract, string Buyer, int Tier, string Verdict, string Explanation, decimal? Bid);

public static class ContractVerdicts
{
    public const string Won = "won", Outbid = "outbid", Rejected = "rejected", BelowFloor = "below floor", Passed = "passed",
        NoAnswer = "no answer", Skipped = "skipped", NotReached = "not reached", NotOffered = "not offered", NotRouted = "not routed";
}

public static class WhyNotThisBuyer
{
    public static IReadOnlyList<ContractVerdict> Explain(string leadStatus, bool testLead, IReadOnlyList<TraceStepView> trace,
        IEnumerable<ContractSnapshot> campaignContracts)
    {
        var sales = trace.Where(s => s is { Kind: TraceKinds.Post, Outcome: TraceOutcomes.Accepted }).ToList();
        // The lowest price that sold: a bid under it lost on price (one sale, or the last of a shared set).
        var soldAt = sales.Count == 0 ? (decimal?)null : sales.Min(s => s.Price);
        var soldTier = sales.Count == 0 ? (int?)null : sales.Min(s => s.Tier);
        var routed = leadStatus is not (LeadStatus.Invalid or LeadStatus.Duplicate);

        return campaignContracts
            .OrderBy(c => c.Config.Tier).ThenBy(c => c.Config.Priority).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => Verdict(c, trace.Where(s => s.Contract == c.Key).ToList()))
            .ToList();

        ContractVerdict Verdict(ContractSnapshot c, List<TraceStepView> steps)
        {
            ContractVerdict V(string verdict, string why, decimal? bid = null) => new(c.Key, c.Buyer.Key, c.Config.Tier, verdict, why, bid);
            if (!routed) return V(ContractVerdicts.NotRouted, $"the lead was not routed (it is {leadStatus})");

            // The last word on a contract is its last post, else its last ping or skip.
            var post = steps.LastOrDefault(s => s.Kind == TraceKinds.Post);
            var ping = steps.LastOrDefault(s => s.Kind == TraceKinds.Ping);
            var bid = ping?.Bid;
            if (post is not null)
            {
                return post.Outcome switch
                {
                    TraceOutcomes.Accepted => V(ContractVerdicts.Won, Text($"bought the lead at {post.Price:0.00}"), bid),
                    TraceOutcomes.Rejected => V(ContractVerdicts.Rejected, Text($"was posted the lead at {post.Price:0.00} and rejected it{Because(post.Reason)}"), bid),
                    TraceOutcomes.Timeout or TraceOutcomes.Error => V(ContractVerdicts.Rejected,
                        Text($"was posted the lead at {post.Price:0.00}; the post failed{Because(post.Reason)}"), bid),
                    TraceOutcomes.Unknown => V(ContractVerdicts.Rejected, "was posted the lead; a crash hid its answer", bid),
                    _ => V(ContractVerdicts.Skipped, Text($"not posted{Because(post.Reason)}"), bid ?? post.Price),
                };
            }
            if (ping is not null)
            {
                return ping.Outcome switch
                {
                    TraceOutcomes.Bid when ping.Reason?.StartsWith("below floor", StringComparison.Ordinal) == true =>
                        V(ContractVerdicts.BelowFloor, Text($"bid {ping.Bid:0.00}, {ping.Reason}"), bid),
                    TraceOutcomes.Bid when soldAt is { } price => V(ContractVerdicts.Outbid,
                        Text($"bid {ping.Bid:0.00}, outbid by {price - ping.Bid!.Value:0.00} (sold at {price:0.00})"), bid),
                    TraceOutcomes.Bid => V(ContractVerdicts.Outbid, Text($"bid {ping.Bid:0.00}; never posted (the lead went unsold before its turn)"), bid),
                    TraceOutcomes.Pass => V(ContractVerdicts.Passed, "passed on the ping" + Because(ping.Reason)),
                    TraceOutcomes.Timeout => V(ContractVerdicts.NoAnswer, "did not answer the ping in time" + Because(ping.Reason)),
                    TraceOutcomes.Error => V(ContractVerdicts.NoAnswer, "the ping failed" + Because(ping.Reason)),
                    _ => V(ContractVerdicts.Skipped, "not pinged" + Because(ping.Reason)),
                };
            }
            // Never mentioned: routing stopped before its tier, or it was not in the routing at all.
            if (soldTier is { } tier && c.Config.Tier > tier)
                return V(ContractVerdicts.NotReached, $"tier {c.Config.Tier} was not reached: the lead sold in tier {tier}");
            if (c.Config.Sandbox != testLead)
                return V(ContractVerdicts.NotOffered, c.Config.Sandbox ? "a sandbox contract: it takes only test leads" : "a test lead goes to sandbox contracts only");
            if (!c.Config.Active || !c.Buyer.Config.Active)
                return V(ContractVerdicts.NotOffered, "paused now; it was not in the routing for this lead either");
            return V(ContractVerdicts.NotOffered, "not in the routing when the lead arrived (added or resumed since)");
        }
    }

    private static string Because(string? reason) => string.IsNullOrEmpty(reason) ? "" : ": " + reason;

    private static string Text(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
