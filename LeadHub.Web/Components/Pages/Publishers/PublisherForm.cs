using LeadHub.Core.Workspace;

namespace LeadHub.Web.Components.Pages.Publishers;

// What the publisher editor edits, converted to and from the workspace record.
public sealed class PublisherForm
{
    public string Key { get; set; } = "";
    public string Name { get; set; } = "";
    public bool Active { get; set; } = true;
    public IReadOnlyCollection<string> Campaigns { get; set; } = [];
    public PayoutRow Payout { get; set; } = new();
    public List<CampaignPayoutRow> CampaignPayouts { get; } = [];

    // README "Payout rules": a sub-id's payout overrides the campaign's and the default.
    public List<SubIdPayoutRow> SubIdPayouts { get; } = [];
    public int? RateLimitPerSecond { get; set; }
    public List<string> BlockedSubIds { get; set; } = [];
    public PostbacksForm Postbacks { get; set; } = new();

    public static PublisherForm From(PublisherConfig p)
    {
        var form = new PublisherForm
        {
            Key = p.Key, Name = p.Name, Active = p.Active, Campaigns = [.. p.Campaigns],
            Payout = PayoutRow.From(p.Payout), RateLimitPerSecond = p.RateLimitPerSecond, BlockedSubIds = [.. p.BlockedSubIds ?? []],
            Postbacks = PostbacksForm.From(p.Postbacks),
        };
        form.CampaignPayouts.AddRange((p.CampaignPayouts ?? []).OrderBy(kv => kv.Key)
            .Select(kv => new CampaignPayoutRow { Campaign = kv.Key, Payout = PayoutRow.From(kv.Value) }));
        form.SubIdPayouts.AddRange((p.SubIdPayouts ?? []).OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new SubIdPayoutRow { SubId = kv.Key, Payout = PayoutRow.From(kv.Value) }));
        return form;
    }

    // Problems the record cannot express (a campaign given two payouts), with paths like the validator's.
    public List<WorkspaceError> Check(string path)
    {
        var errors = new List<WorkspaceError>();
        for (var i = 0; i < CampaignPayouts.Count; i++)
        {
            var campaign = CampaignPayouts[i].Campaign;
            if (string.IsNullOrEmpty(campaign)) errors.Add(new($"{path}.campaignPayouts[{i}]", "choose a campaign"));
            else if (CampaignPayouts.Take(i).Any(r => r.Campaign == campaign)) errors.Add(new($"{path}.campaignPayouts[{i}]", $"'{campaign}' already has a payout above"));
        }
        for (var i = 0; i < SubIdPayouts.Count; i++)
        {
            var subId = SubIdPayouts[i].SubId.Trim();
            if (subId.Length == 0) errors.Add(new($"{path}.subIdPayouts[{i}]", "enter a sub-id"));
            else if (SubIdPayouts.Take(i).Any(r => r.SubId.Trim() == subId)) errors.Add(new($"{path}.subIdPayouts[{i}]", $"'{subId}' already has a payout above"));
        }
        return errors;
    }

    public PublisherConfig ToConfig() => new()
    {
        Key = Key.Trim(), Name = Name.Trim(), Active = Active, Campaigns = Campaigns.Order().ToList(),
        Payout = Payout.ToConfig(), RateLimitPerSecond = RateLimitPerSecond,
        BlockedSubIds = BlockedSubIds.Count == 0 ? null : [.. BlockedSubIds],
        Postbacks = Postbacks.ToConfig(),
        CampaignPayouts = CampaignPayouts.Count == 0 ? null
            : CampaignPayouts.Where(r => r.Campaign.Length > 0).DistinctBy(r => r.Campaign).ToDictionary(r => r.Campaign, r => r.Payout.ToConfig()),
        SubIdPayouts = SubIdPayouts.Count == 0 ? null
            : SubIdPayouts.Where(r => r.SubId.Trim().Length > 0).DistinctBy(r => r.SubId.Trim()).ToDictionary(r => r.SubId.Trim(), r => r.Payout.ToConfig()),
    };
}

public sealed class PayoutRow
{
    public string Model { get; set; } = PayoutModels.Revshare;
    public decimal? Percent { get; set; } = 70;
    public decimal? Amount { get; set; }

    // README "Payout rules": a cap per lead, and the margin LeadHub always keeps.
    public decimal? Max { get; set; }
    public decimal? MinMargin { get; set; }

    public static PayoutRow From(PayoutConfig p) => new() { Model = p.Model, Percent = p.Percent, Amount = p.Amount, Max = p.Max, MinMargin = p.MinMargin };

    // Only the figure of the chosen model is kept.
    public PayoutConfig ToConfig() => Model == PayoutModels.Fixed
        ? new PayoutConfig { Model = Model, Percent = null, Amount = Amount, Max = Max, MinMargin = MinMargin }
        : new PayoutConfig { Model = Model, Percent = Percent, Amount = null, Max = Max, MinMargin = MinMargin };

    public string Describe() => (Model == PayoutModels.Fixed ? $"${Amount:0.00} per lead" : $"{Percent:0.##}% revshare")
        + (Max is { } max ? $", at most ${max:0.00}" : "") + (MinMargin is { } margin ? $", keeping ${margin:0.00}" : "");
}

public sealed class SubIdPayoutRow
{
    public string SubId { get; set; } = "";
    public PayoutRow Payout { get; set; } = new();
}

public sealed class CampaignPayoutRow
{
    public string Campaign { get; set; } = "";
    public PayoutRow Payout { get; set; } = new();
}

// The publisher's postbacks as edited: one row per template; the signing secret is write-only.
public sealed class PostbacksForm
{
    public List<PostbackTemplateRow> Templates { get; } = [];
    public int MaxAttempts { get; set; } = 8;
    public bool SecretSet { get; set; }

    // A new secret typed (or generated) here; null keeps the stored one.
    public string? NewSecret { get; set; }
    public bool RemoveSecret { get; set; }

    public static PostbacksForm From(PostbacksConfig? p)
    {
        var form = new PostbacksForm { MaxAttempts = p?.MaxAttempts ?? 8, SecretSet = p?.SigningSecretSet == true };
        form.Templates.AddRange((p?.Templates ?? []).Select(t => new PostbackTemplateRow { Events = [.. t.Events], Url = t.Url, Method = t.Method }));
        return form;
    }

    // Null when nothing is configured and nothing changes (an export then has no `postbacks`).
    public PostbacksConfig? ToConfig() => Templates.Count == 0 && NewSecret is null && !RemoveSecret && !SecretSet ? null : new PostbacksConfig
    {
        Templates = Templates.Select(t => t.ToConfig()).ToList(),
        MaxAttempts = MaxAttempts,
        SigningSecret = RemoveSecret ? "" : string.IsNullOrEmpty(NewSecret) ? null : NewSecret,
        SigningSecretSet = SecretSet,
    };

    public static string GenerateSecret() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))
        .Replace('+', '-').Replace('/', '_').TrimEnd('=');
}

public sealed class PostbackTemplateRow
{
    public IReadOnlyCollection<string> Events { get; set; } = [];
    public string Url { get; set; } = "";
    public string Method { get; set; } = "GET";

    public PostbackTemplate ToConfig() => new() { Events = [.. PostbackEvents.All.Where(Events.Contains)], Url = Url.Trim(), Method = Method };
}
