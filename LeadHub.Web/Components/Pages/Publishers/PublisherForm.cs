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
    };
}

public sealed class PayoutRow
{
    public string Model { get; set; } = PayoutModels.Revshare;
    public decimal? Percent { get; set; } = 70;
    public decimal? Amount { get; set; }

    public static PayoutRow From(PayoutConfig p) => new() { Model = p.Model, Percent = p.Percent, Amount = p.Amount };

    // Only the figure of the chosen model is kept.
    public PayoutConfig ToConfig() => Model == PayoutModels.Fixed
        ? new PayoutConfig { Model = Model, Percent = null, Amount = Amount }
        : new PayoutConfig { Model = Model, Percent = Percent, Amount = null };

    public string Describe() => Model == PayoutModels.Fixed ? $"${Amount:0.00} per lead" : $"{Percent:0.##}% revshare";
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
