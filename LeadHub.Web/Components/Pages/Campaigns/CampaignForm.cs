using System.Globalization;
using System.Text.Json;
using LeadHub.Core.Workspace;

namespace LeadHub.Web.Components.Pages.Campaigns;

// What the campaign editor edits: mutable rows the inputs bind to, converted to and from the
// workspace record. A failed save keeps this object, so the user's input stays on screen.
public sealed class CampaignForm
{
    // The order the type select lists them in (FieldTypes.All is a set).
    public static readonly IReadOnlyList<string> Types =
    [
        FieldTypes.String, FieldTypes.Integer, FieldTypes.Decimal, FieldTypes.Boolean, FieldTypes.Email,
        FieldTypes.Phone, FieldTypes.Zip, FieldTypes.State, FieldTypes.Date, FieldTypes.Enum,
        FieldTypes.TrustedForm, FieldTypes.Jornaya, FieldTypes.ConsentText,
    ];

    public string Key { get; set; } = "";
    public string Name { get; set; } = "";
    public bool Active { get; set; } = true;
    public int AuctionTimeoutMs { get; set; } = 800;
    public decimal Floor { get; set; }
    public int MaxPostAttempts { get; set; } = 3;
    public int BidTtlMs { get; set; } = 60_000;
    public int DedupeWindowDays { get; set; } = 30;
    public int ReturnWindowDays { get; set; } = 7;

    // README "Shared leads": 0 or 1 sells exclusive only.
    public int MaxSharedBuyers { get; set; }
    public List<PriceRuleRow> PriceRules { get; } = [];
    public List<TierRow> Tiers { get; } = [];
    public List<FieldRow> Fields { get; } = [];

    // Consent evidence a lead must carry (CampaignConfig.Consent).
    public string ConsentCertificate { get; set; } = ConsentCertificates.None;
    public bool ConsentRequireText { get; set; }

    // README "Routing strategy and expected-value ranking". The defaults are stored as no setting.
    public string Strategy { get; set; } = RoutingStrategies.Auction;
    public string Ranking { get; set; } = OfferRankings.Bid;

    // What the campaign was when loaded: a save keeps what this form does not edit (its live split,
    // max bid, return rules, and whatever is added to a campaign later) as it was.
    private CampaignConfig _loaded = new();

    // Shown, not edited here: the split has its own page.
    public SplitConfig? Split => _loaded.Split;

    public static CampaignForm New()
    {
        var form = new CampaignForm();
        form.Fields.Add(new FieldRow { Name = "email", Type = FieldTypes.Email, Required = true, Pii = true });
        return form;
    }

    public static CampaignForm From(CampaignConfig c)
    {
        var form = new CampaignForm
        {
            Key = c.Key, Name = c.Name, Active = c.Active, AuctionTimeoutMs = c.AuctionTimeoutMs, Floor = c.Floor,
            MaxPostAttempts = c.MaxPostAttempts, BidTtlMs = c.BidTtlMs, DedupeWindowDays = c.DedupeWindowDays,
            ReturnWindowDays = c.ReturnWindowDays, MaxSharedBuyers = c.MaxSharedBuyers,
            ConsentCertificate = c.Consent?.Certificate ?? ConsentCertificates.None, ConsentRequireText = c.Consent?.RequireText ?? false,
            Strategy = c.Strategy ?? RoutingStrategies.Auction, Ranking = c.Ranking ?? OfferRankings.Bid,
            _loaded = c,
        };
        form.PriceRules.AddRange((c.PriceRules ?? []).Select(r => new PriceRuleRow
        {
            Publisher = r.Publisher ?? "", SubId = r.SubId ?? "", Buyer = r.Buyer ?? "", Contract = r.Contract ?? "", Kind = r.Kind, Amount = r.Amount,
        }));
        form.Tiers.AddRange(c.Tiers.Select(t => new TierRow { Tier = t.Tier, Floor = t.Floor }));
        form.Fields.AddRange(c.Fields.Select(f => new FieldRow
        {
            Name = f.Name, Type = f.Type, Required = f.Required, Pii = f.Pii, Min = f.Min, Max = f.Max,
            Values = f.Values is null ? "" : string.Join(", ", f.Values.Select(Show)),
        }));
        return form;
    }

    public CampaignConfig ToConfig() => _loaded with
    {
        Key = Key.Trim(), Name = Name.Trim(), Active = Active, AuctionTimeoutMs = AuctionTimeoutMs, Floor = Floor,
        MaxPostAttempts = MaxPostAttempts, BidTtlMs = BidTtlMs, DedupeWindowDays = DedupeWindowDays,
        ReturnWindowDays = ReturnWindowDays, MaxSharedBuyers = MaxSharedBuyers,
        Strategy = Strategy == RoutingStrategies.Auction ? null : Strategy,
        Ranking = Ranking == OfferRankings.Bid ? null : Ranking,
        Consent = ConsentCertificate == ConsentCertificates.None && !ConsentRequireText
            ? null
            : new ConsentConfig { Certificate = ConsentCertificate, RequireText = ConsentRequireText },
        PriceRules = PriceRules.Count == 0 ? null : PriceRules.Select(r => new PriceRuleConfig
        {
            Publisher = Blank(r.Publisher), SubId = Blank(r.SubId), Buyer = Blank(r.Buyer), Contract = Blank(r.Contract), Kind = r.Kind, Amount = r.Amount,
        }).ToList(),
        Tiers = Tiers.Select(t => new TierConfig { Tier = t.Tier, Floor = t.Floor }).ToList(),
        Fields = Fields.Select(f => new FieldDefinition
        {
            Name = f.Name.Trim(), Type = f.Type, Required = f.Required, Pii = f.Pii, Min = f.Min, Max = f.Max,
            Values = ParseValues(f.Type, f.Values),
        }).ToList(),
    };

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    public void AddTier() => Tiers.Add(new TierRow { Tier = Tiers.Count == 0 ? 0 : Tiers.Max(t => t.Tier) + 1 });

    public void Move(int index, int by)
    {
        var to = index + by;
        if (index < 0 || index >= Fields.Count || to < 0 || to >= Fields.Count) return;
        (Fields[index], Fields[to]) = (Fields[to], Fields[index]);
    }

    // Values are typed by the field: an enum lists strings, a boolean e.g. "true" (consent must be
    // given), numbers stay numbers. Empty means no restriction.
    public static List<JsonElement>? ParseValues(string type, string? text)
    {
        var items = (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0) return null;
        return items.Select(item => type switch
        {
            FieldTypes.Boolean when bool.TryParse(item, out var b) => JsonSerializer.SerializeToElement(b),
            FieldTypes.Integer or FieldTypes.Decimal when decimal.TryParse(item, NumberStyles.Number, CultureInfo.InvariantCulture, out var d)
                => JsonSerializer.SerializeToElement(d),
            _ => JsonSerializer.SerializeToElement(item),
        }).ToList();
    }

    private static string Show(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText();
}

// One bid adjustment; an empty scope matches anything.
public sealed class PriceRuleRow
{
    public string Publisher { get; set; } = "";
    public string SubId { get; set; } = "";
    public string Buyer { get; set; } = "";
    public string Contract { get; set; } = "";
    public string Kind { get; set; } = PriceRuleKinds.Percent;
    public decimal Amount { get; set; }
}

public sealed class TierRow
{
    public int Tier { get; set; }
    public decimal Floor { get; set; }
}

public sealed class FieldRow
{
    private string _type = FieldTypes.String;

    public string Name { get; set; } = "";

    // Choosing a consent type marks the field PII (kept out of pings); the box can be unticked.
    public string Type
    {
        get => _type;
        set
        {
            if (value != _type && value is FieldTypes.TrustedForm or FieldTypes.Jornaya or FieldTypes.ConsentText) Pii = true;
            _type = value;
        }
    }
    public bool Required { get; set; }
    public bool Pii { get; set; }
    public decimal? Min { get; set; }
    public decimal? Max { get; set; }
    public string Values { get; set; } = "";
}
