using System.Text.Json;
using System.Text.RegularExpressions;
using LeadHub.Core.Delivery;
using LeadHub.Core.Routing;
using LeadHub.Core.Security;

namespace LeadHub.Core.Workspace;

public sealed record WorkspaceError(string Path, string Message);

// Checks a workspace document whole before anything is saved: every problem with its JSON path,
// so a manager fixes them all in one go and a bad document changes nothing.
public static partial class WorkspaceValidator
{
    [GeneratedRegex("^[a-z0-9-]{1,64}$")]
    private static partial Regex Slug();

    // `incoming` is what is being imported; `merged` is the configuration as it would be after
    // the import (existing objects upserted with the incoming ones), used for references.
    public static List<WorkspaceError> Validate(WorkspaceDocument incoming, WorkspaceDocument merged)
    {
        var errors = new List<WorkspaceError>();
        void Error(string path, string message) => errors.Add(new WorkspaceError(path, message));

        // Not ToDictionary: a key given twice is reported below, not a crash here.
        var campaigns = merged.Campaigns.GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Last());
        CheckUniqueKeys(incoming.Campaigns.Select(c => c.Key), "$.campaigns", Error);
        CheckUniqueKeys(incoming.Publishers.Select(c => c.Key), "$.publishers", Error);
        CheckUniqueKeys(incoming.Buyers.Select(c => c.Key), "$.buyers", Error);

        var publisherKeys = merged.Publishers.Select(p => p.Key).ToHashSet();
        var buyerKeys = merged.Buyers.Select(b => b.Key).ToHashSet();
        var contractCampaigns = new Dictionary<string, string>();
        foreach (var b in merged.Buyers)
        {
            foreach (var c in b.Contracts) contractCampaigns.TryAdd(c.Key, c.Campaign);
        }
        for (var i = 0; i < incoming.Campaigns.Count; i++)
        {
            CheckCampaign(incoming.Campaigns[i], $"$.campaigns[{i}]", Error);
            CheckPriceRules(incoming.Campaigns[i], $"$.campaigns[{i}]", publisherKeys, buyerKeys, contractCampaigns, Error);
            CheckSplit(incoming.Campaigns[i], $"$.campaigns[{i}]", buyerKeys, contractCampaigns, errors);
        }

        for (var i = 0; i < incoming.Publishers.Count; i++)
        {
            var p = incoming.Publishers[i];
            var path = $"$.publishers[{i}]";
            CheckKey(p.Key, path, Error);
            for (var j = 0; j < p.Campaigns.Count; j++)
            {
                if (!campaigns.ContainsKey(p.Campaigns[j])) Error($"{path}.campaigns[{j}]", UnknownCampaign(p.Campaigns[j]));
            }
            CheckPayout(p.Payout, $"{path}.payout", Error);
            foreach (var (campaign, payout) in p.CampaignPayouts ?? [])
            {
                if (!campaigns.ContainsKey(campaign)) Error($"{path}.campaignPayouts.{campaign}", UnknownCampaign(campaign));
                CheckPayout(payout, $"{path}.campaignPayouts.{campaign}", Error);
            }
            foreach (var (subId, payout) in p.SubIdPayouts ?? [])
            {
                if (subId is not { Length: > 0 and <= 200 }) Error($"{path}.subIdPayouts", "a sub-id must be 1 to 200 characters");
                CheckPayout(payout, $"{path}.subIdPayouts.{subId}", Error);
            }
            for (var j = 0; j < (p.BlockedSubIds?.Count ?? 0); j++)
            {
                if (p.BlockedSubIds![j] is not { Length: > 0 and <= 200 }) Error($"{path}.blockedSubIds[{j}]", "must be 1 to 200 characters");
            }
            if (p.RateLimitPerSecond is <= 0) Error($"{path}.rateLimitPerSecond", "must be above 0, or left empty for no limit");
            if (p.ApiKey is { Length: < 16 }) Error($"{path}.apiKey", "must be at least 16 characters");
            if (p.Postbacks is not null) Postbacks.PostbackTemplates.Check(p.Postbacks, $"{path}.postbacks", Error);
        }

        var contractOwners = new Dictionary<string, string>();
        foreach (var b in merged.Buyers)
        {
            foreach (var c in b.Contracts) contractOwners.TryAdd(c.Key, b.Key);
        }
        for (var i = 0; i < incoming.Buyers.Count; i++)
        {
            var b = incoming.Buyers[i];
            var path = $"$.buyers[{i}]";
            CheckKey(b.Key, path, Error);
            if (b.ApiKey is { Length: < 16 }) Error($"{path}.apiKey", "must be at least 16 characters");
            foreach (var problem in CapPeriods.Check(b.Caps)) Error($"{path}.caps", problem);
            if (b.TimeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(b.TimeZone, out _))
                Error($"{path}.timeZone", $"unknown time zone '{b.TimeZone}' (use an IANA id such as America/New_York)");
            CheckUniqueKeys(b.Contracts.Select(c => c.Key), $"{path}.contracts", Error);
            for (var j = 0; j < b.Contracts.Count; j++)
            {
                var c = b.Contracts[j];
                var cpath = $"{path}.contracts[{j}]";
                if (contractOwners.TryGetValue(c.Key, out var owner) && owner != b.Key)
                    Error($"{cpath}.key", $"contract '{c.Key}' already belongs to buyer '{owner}'");
                CheckContract(c, campaigns.GetValueOrDefault(c.Campaign), cpath, Error);
            }
        }
        return errors;
    }

    // `[null]` in a list of the document: the deserializer keeps it, and nothing after this copes with it.
    public static List<WorkspaceError> CheckNullEntries(WorkspaceDocument doc)
    {
        var errors = new List<WorkspaceError>();
        void Check<T>(IReadOnlyList<T>? list, string path, Action<T, string>? inner = null)
        {
            for (var i = 0; i < (list?.Count ?? 0); i++)
            {
                if (list![i] is null) errors.Add(new WorkspaceError($"{path}[{i}]", "must not be null"));
                else inner?.Invoke(list[i], $"{path}[{i}]");
            }
        }
        Check(doc.Campaigns, "$.campaigns", (c, path) =>
        {
            Check(c.Tiers, $"{path}.tiers");
            Check(c.Fields, $"{path}.fields");
            Check(c.PriceRules, $"{path}.priceRules");
            Check(c.Split?.PlanB?.RemoveBuyers, $"{path}.split.planB.removeBuyers");
            Check(c.Split?.PlanB?.RemoveContracts, $"{path}.split.planB.removeContracts");
        });
        Check(doc.Publishers, "$.publishers", (p, path) =>
        {
            Check(p.Campaigns, $"{path}.campaigns");
            Check(p.Postbacks?.Templates, $"{path}.postbacks.templates");
            foreach (var (campaign, payout) in p.CampaignPayouts ?? [])
            {
                if (payout is null) errors.Add(new WorkspaceError($"{path}.campaignPayouts.{campaign}", "must not be null"));
            }
            foreach (var (subId, payout) in p.SubIdPayouts ?? [])
            {
                if (payout is null) errors.Add(new WorkspaceError($"{path}.subIdPayouts.{subId}", "must not be null"));
            }
        });
        Check(doc.Buyers, "$.buyers", (b, path) =>
        {
            Check(b.Segments, $"{path}.segments");
            Check(b.Contracts, $"{path}.contracts", (c, cpath) =>
            {
                Check(c.Filters, $"{cpath}.filters");
                Check(c.Schedule?.Days, $"{cpath}.schedule.days");
            });
        });
        return errors;
    }

    private static void CheckCampaign(CampaignConfig c, string path, Action<string, string> error)
    {
        CheckKey(c.Key, path, error);
        if (string.IsNullOrWhiteSpace(c.Name)) error($"{path}.name", "is required");
        if (c.AuctionTimeoutMs is < MinAuctionTimeoutMs or > MaxAuctionTimeoutMs) error($"{path}.auctionTimeoutMs", AuctionTimeoutRule);
        if (c.Floor < 0) error($"{path}.floor", "must not be negative");
        if (c.MaxBid is <= 0) error($"{path}.maxBid", "must be above 0, or left empty for no ceiling");
        if (c.MaxBid < c.Floor) error($"{path}.maxBid", "must not be below the floor: nothing could sell");
        if (c.MaxPostAttempts is < MinPostAttempts or > MaxPostAttempts) error($"{path}.maxPostAttempts", PostAttemptsRule);
        if (c.Strategy is not null && !RoutingStrategies.All.Contains(c.Strategy)) error($"{path}.strategy", RoutingPlanRules.StrategyRule);
        if (c.Ranking is not null && !OfferRankings.All.Contains(c.Ranking)) error($"{path}.ranking", RoutingPlanRules.RankingRule);
        if (c.BidTtlMs < 0) error($"{path}.bidTtlMs", "must not be negative");
        if (c.DedupeWindowDays < 0) error($"{path}.dedupeWindowDays", "must not be negative");
        if (c.ReturnWindowDays < 0) error($"{path}.returnWindowDays", "must not be negative");
        if (c.MaxSharedBuyers is < 0 or > 20) error($"{path}.maxSharedBuyers", "must be between 0 and 20 (0 or 1: exclusive only)");
        if (c.ReturnRules?.MaxReturnRate is < 0 or > 1) error($"{path}.returnRules.maxReturnRate", "must be between 0 and 1");
        if (c.ReturnRules?.RatePeriodDays is < 1 or > 366) error($"{path}.returnRules.ratePeriodDays", "must be between 1 and 366");
        CheckUniqueKeys(c.Tiers.Select(t => t.Tier.ToString()), $"{path}.tiers", error);
        for (var i = 0; i < c.Tiers.Count; i++)
        {
            if (c.Tiers[i].Floor < 0) error($"{path}.tiers[{i}].floor", "must not be negative");
        }
        if (c.Fields.Count == 0) error($"{path}.fields", "a campaign needs at least one field");
        CheckUniqueKeys(c.Fields.Select(f => f.Name), $"{path}.fields", error);
        for (var i = 0; i < c.Fields.Count; i++)
        {
            var f = c.Fields[i];
            var fpath = $"{path}.fields[{i}]";
            if (string.IsNullOrWhiteSpace(f.Name) || f.Name.Length > 64) error($"{fpath}.name", "is required (at most 64 characters)");
            if (!FieldTypes.All.Contains(f.Type))
                error($"{fpath}.type", $"Choose a type: {string.Join(", ", FieldTypes.All)}");
            if (f.Type == FieldTypes.Enum && (f.Values is null || f.Values.Count == 0 || f.Values.Any(v => v.ValueKind != JsonValueKind.String)))
                error($"{fpath}.values", "an enum needs a list of string values");
            if (f.Min is { } min && f.Max is { } max && min > max) error($"{fpath}.min", "must not be greater than max");
        }
        foreach (var problem in Validation.ConsentRules.Check(c)) error($"{path}.consent", problem);
    }

    private static void CheckContract(ContractConfig c, CampaignConfig? campaign, string path, Action<string, string> error)
    {
        CheckKey(c.Key, path, error);
        if (campaign is null) error($"{path}.campaign", UnknownCampaign(c.Campaign));
        if (c.Mode is not (ContractModes.PingPost or ContractModes.DirectPost))
            error($"{path}.mode", "Choose ping-post or direct-post");
        if (c.Mode == ContractModes.PingPost) CheckUrl(c.PingUrl, $"{path}.pingUrl", error);
        CheckUrl(c.PostUrl, $"{path}.postUrl", error);
        if (c.Mode == ContractModes.DirectPost && c.Price is not > 0) error($"{path}.price", "a direct-post contract needs a fixed price above 0");
        if (c.Price is < 0) error($"{path}.price", "must not be negative");
        if (c.SaleType is not (null or SaleTypes.Exclusive or SaleTypes.Shared or SaleTypes.Both))
            error($"{path}.saleType", "Choose exclusive, shared or both");
        if (c.SellsShared && c.SharedPrice is not > 0)
            error($"{path}.sharedPrice", c.Mode == ContractModes.DirectPost
                ? "a shared direct-post contract needs a shared price above 0"
                : "a shared ping-post contract needs the agreed shared price above 0 (used when the ping answer carries no shared bid)");
        if (c.SharedPrice is < 0) error($"{path}.sharedPrice", "must not be negative");
        if (c.SellsShared && campaign is { MaxSharedBuyers: < 2 })
            error($"{path}.saleType", $"campaign '{campaign.Key}' sells exclusive only: set its maxSharedBuyers to 2 or more to sell shared");
        if (c.MinBid is < 0) error($"{path}.minBid", "must not be negative");
        if (c.MaxBid is <= 0) error($"{path}.maxBid", "must be above 0, or left empty for no ceiling");
        if (c.MaxBid < c.MinBid) error($"{path}.maxBid", "must not be below the minimum bid");
        var ceiling = CompiledFormat.MaxBid(c.MaxBid, campaign?.MaxBid);
        if (c.Price > ceiling) error($"{path}.price", $"is above the max bid {ceiling} (the contract's or its campaign's)");
        CheckSentFields(c, campaign, path, error);
        if (c.TimeoutMs is < 10 or > 60_000) error($"{path}.timeoutMs", "must be between 10 and 60000");
        if (c.PostTimeoutMs is < 10 or > 120_000) error($"{path}.postTimeoutMs", "must be between 10 and 120000");
        if (c.Tier < 0) error($"{path}.tier", "must not be negative");
        if (c.BreakAfterFailures < 0) error($"{path}.breakAfterFailures", "must not be negative (0 means never)");
        if (c.BreakCoolDownSeconds is < 1 or > 86_400) error($"{path}.breakCoolDownSeconds", "must be between 1 and 86400");
        if (c.MaxPostErrors is < 1) error($"{path}.maxPostErrors", "must be at least 1, or left empty for never");
        if (c.MaxPingsPerSecond is < 1) error($"{path}.maxPingsPerSecond", "must be at least 1, or left empty for no limit");
        if (c.MaxPingsPerMinute is < 1) error($"{path}.maxPingsPerMinute", "must be at least 1, or left empty for no limit");
        foreach (var problem in CapPeriods.Check(c.Caps)) error($"{path}.caps", problem);
        if (c.Schedule is not null)
        {
            foreach (var problem in Schedule.Check(c.Schedule)) error($"{path}.schedule", problem);
        }
        for (var i = 0; i < c.Filters.Count; i++)
        {
            var field = campaign?.Fields.FirstOrDefault(f => f.Name == c.Filters[i].Field);
            foreach (var problem in Filter.Check(c.Filters[i], field)) error($"{path}.filters[{i}]", problem);
        }
        CompiledFormat.Check(c, path, error);
    }

    // A field list names fields the campaign has; a ping never carries personal data, so listing one there is a mistake.
    private static void CheckSentFields(ContractConfig c, CampaignConfig? campaign, string path, Action<string, string> error)
    {
        if (campaign is null) return;
        foreach (var (phase, name) in new[] { ("ping", c.Format?.Ping), ("post", c.Format?.Post) }.SelectMany(p => (p.Item2?.Fields ?? []).Select(f => (p.Item1, f))))
        {
            var field = campaign.Fields.FirstOrDefault(f => f.Name == name);
            if (field is null) error($"{path}.format.{phase}.fields", $"'{name}' is not a field of campaign '{campaign.Key}'");
            else if (phase == "ping" && field.Pii) error($"{path}.format.ping.fields", $"'{name}' is personal data: pings never carry it");
        }
    }

    // A URL may be a template (README "Buyer formats"); its fixed part must be an http(s) URL.
    private static void CheckUrl(string? url, string path, Action<string, string> error)
    {
        var fixedPart = url is null ? null : url.Split("{{")[0].Split("{%")[0];
        if (!Uri.TryCreate(fixedPart, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            error(path, "Enter a full web address starting with http:// or https://");
        else if (UrlCredentials.IsRedacted(url))
            error(path, $"holds redacted credentials ({UrlCredentials.Mask}) that do not match the stored URL: type the user name and password again, or remove them");
    }

    private static void CheckPayout(PayoutConfig payout, string path, Action<string, string> error)
    {
        switch (payout.Model)
        {
            case PayoutModels.Revshare when payout.Percent is not (>= 0 and <= 100):
                error($"{path}.percent", "revshare needs a percent between 0 and 100");
                break;
            case PayoutModels.Fixed when payout.Amount is not >= 0:
                error($"{path}.amount", "fixed payout needs an amount of 0 or more");
                break;
            case PayoutModels.Revshare or PayoutModels.Fixed:
                break;
            default:
                error($"{path}.model", "Choose revshare or fixed");
                break;
        }
        if (payout.Max is < 0) error($"{path}.max", "must not be negative, or left empty for no cap");
        if (payout.MinMargin is < 0) error($"{path}.minMargin", "must not be negative, or left empty for none");
    }

    // Price rules name publishers, buyers and contracts that exist; a contract of this campaign.
    private static void CheckPriceRules(CampaignConfig c, string path, HashSet<string> publishers, HashSet<string> buyers,
        Dictionary<string, string> contractCampaigns, Action<string, string> error)
    {
        for (var i = 0; i < (c.PriceRules?.Count ?? 0); i++)
        {
            var r = c.PriceRules![i];
            var rpath = $"{path}.priceRules[{i}]";
            if (r is null) continue;
            if (r.Kind is not (PriceRuleKinds.Percent or PriceRuleKinds.Fixed)) error($"{rpath}.kind", "Choose percent or fixed");
            if (r.Kind == PriceRuleKinds.Percent && r.Amount is < -100 or > 100) error($"{rpath}.amount", "a percent must be between -100 and 100");
            if (r.Kind == PriceRuleKinds.Fixed && r.Amount is < -100_000 or > 100_000) error($"{rpath}.amount", "must be between -100000 and 100000");
            if (r.Amount == 0) error($"{rpath}.amount", "an adjustment of 0 changes nothing: enter an amount, or remove the rule");
            if (r.Publisher is not null && !publishers.Contains(r.Publisher)) error($"{rpath}.publisher", $"There is no publisher '{r.Publisher}'");
            if (r.SubId is not null && r.Publisher is null) error($"{rpath}.subId", "a sub-id rule needs its publisher");
            if (r.SubId is { Length: 0 or > 200 }) error($"{rpath}.subId", "must be 1 to 200 characters");
            if (r.Buyer is not null && !buyers.Contains(r.Buyer)) error($"{rpath}.buyer", $"There is no buyer '{r.Buyer}'");
            if (r.Contract is not null && contractCampaigns.GetValueOrDefault(r.Contract) != c.Key)
                error($"{rpath}.contract", $"There is no contract '{r.Contract}' in campaign '{c.Key}'");
        }
    }

    // The ranges of a campaign's auction settings, which a routing plan's must keep to as well.
    public const int MinAuctionTimeoutMs = 50, MaxAuctionTimeoutMs = 60_000, MinPostAttempts = 1, MaxPostAttempts = 20;
    public static readonly string AuctionTimeoutRule = $"must be between {MinAuctionTimeoutMs} and {MaxAuctionTimeoutMs}";
    public static readonly string PostAttemptsRule = $"must be between {MinPostAttempts} and {MaxPostAttempts}";

    // A live split (README "Live split"): an experiment id, the share plan B routes, and plan B itself.
    private static void CheckSplit(CampaignConfig c, string path, HashSet<string> buyers, Dictionary<string, string> contractCampaigns,
        List<WorkspaceError> errors)
    {
        if (c.Split is not { } split) return;
        var spath = $"{path}.split";
        if (split.Id is null || !Slug().IsMatch(split.Id))
            errors.Add(new WorkspaceError($"{spath}.id", "names the experiment: " + KeyRule.ToLowerInvariant()));
        if (split.ShareB is <= 0 or >= 1)
            errors.Add(new WorkspaceError($"{spath}.shareB", "must be between 0 and 1, both excluded (0.10 routes 10 % of new leads by plan B)"));
        if (split.PlanB is null) errors.Add(new WorkspaceError($"{spath}.planB", "is required (an empty plan routes B like A)"));
        else errors.AddRange(RoutingPlanRules.Problems(split.PlanB, c, buyers, contractCampaigns, $"{spath}.planB"));
    }

    // Shown to managers in the portal as well as in the API's 422: words, not a regular expression.
    public const string KeyRule = "Use lower-case letters, digits and dashes, up to 64 characters";

    // An empty campaign is a choice not yet made, not an unknown one.
    private static string UnknownCampaign(string? key) =>
        string.IsNullOrWhiteSpace(key) ? "Choose a campaign" : $"There is no campaign '{key}'";

    private static void CheckKey(string key, string path, Action<string, string> error)
    {
        if (!Slug().IsMatch(key)) error($"{path}.key", KeyRule);
    }

    private static void CheckUniqueKeys(IEnumerable<string> keys, string path, Action<string, string> error)
    {
        foreach (var dup in keys.GroupBy(k => k).Where(g => g.Count() > 1))
            error(path, $"'{dup.Key}' appears more than once");
    }
}
