using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeadHub.Core.Workspace;

// A contract's own wire format (CONTRACT §2 and §4 `format`; the shape is documented in the
// README under "Buyer formats"). A phase left null, and a phase's `response` left null, speak
// the reference JSON, so a buyer that only differs in one respect configures only that.
public sealed record BuyerFormat
{
    public PhaseFormat? Ping { get; init; }
    public PhaseFormat? Post { get; init; }
    public BuyerAuth? Auth { get; init; }

    // Write-only values that headers, URLs and templates use as `{{ secrets.name }}` (an API key, a
    // token per phase, a custom Authorization scheme). Read only on import and stored encrypted;
    // exported with every value null, and an import that leaves a value null keeps the stored one.
    public Dictionary<string, string?>? Secrets { get; init; }

    // Whether an import brings a secret value (not only "keep the stored one").
    [JsonIgnore]
    public bool HasSecretValues => Auth?.Secret is not null || Secrets?.Values.Any(v => v is not null) == true;

    public BuyerFormat WithoutSecretValues() =>
        Secrets is null ? this : this with { Secrets = Secrets.Keys.ToDictionary(k => k, string? (_) => null) };
}

public sealed record PhaseFormat
{
    public string Method { get; init; } = "POST";

    // Null means json, or form for GET, whose body becomes the query string.
    public string? ContentType { get; init; }
    public string XmlRoot { get; init; } = "lead";

    // Liquid; when set it renders the whole body, so rename and meta do not apply.
    public string? Template { get; init; }
    public Dictionary<string, string> Rename { get; init; } = [];

    // Keyed by LeadHub field name, then by the value as text ("true", "34", "CA").
    public Dictionary<string, Dictionary<string, JsonElement>> ValueMaps { get; init; } = [];
    public Dictionary<string, JsonElement> Static { get; init; } = [];

    // Only these lead fields are sent (by LeadHub name); null sends every field the phase may carry.
    public List<string>? Fields { get; init; }

    // Nest the lead's fields under this name (a JSON object or an XML element) instead of beside the meta values.
    public string? FieldsUnder { get; init; }

    // The values of the ping or post itself (ping_id, lead_id, price, campaign, and `captured.<name>`
    // from the ping answer) → the name each is sent under.
    public Dictionary<string, string> Meta { get; init; } = [];
    public Dictionary<string, string> Headers { get; init; } = [];
    public ResponseRules? Response { get; init; }
}

public sealed record ResponseRules
{
    public string Kind { get; init; } = ResponseKinds.Json;
    public string? Bid { get; init; }

    // Extension (README "Shared leads"): where a ping answer's price for the lead shared is, for a
    // contract that sells both ways. Null: the contract's sharedPrice.
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? SharedBid { get; init; }
    public string? Accepted { get; init; }

    // At most one of the two; with neither, `true` (case-insensitive) means accepted.
    public string? AcceptedWhen { get; init; }
    public string? AcceptedMatches { get; init; }
    public string? Reason { get; init; }
    public string? BuyerLeadId { get; init; }

    // Answers with several bids: where the list is. `bid` and any capture starting with `@` (JSON)
    // or a relative XPath are then read from each bid, and the best bid is taken.
    public string? Bids { get; init; }

    // Values of the answer to keep, by name: a ping's are carried to the post as `captured.<name>`.
    public Dictionary<string, string> Capture { get; init; } = [];

    // When the answer holds no bid (ping) or no accepted flag (post).
    public string DefaultOutcome { get; init; } = DefaultOutcomes.Error;

    // Null means any 2xx.
    public List<int>? SuccessStatuses { get; init; }
}

public sealed record BuyerAuth
{
    public string Type { get; init; } = AuthTypes.Basic;
    public string? Username { get; init; }

    // The secrets are only read on import: stored encrypted, exported as null with the *Set flag,
    // and an import that leaves them null keeps the stored one.
    public string? Password { get; init; }
    public bool PasswordSet { get; init; }
    public string? Token { get; init; }
    public bool TokenSet { get; init; }

    [JsonIgnore]
    public string? Secret => Type == AuthTypes.Bearer ? Token : Password;
    [JsonIgnore]
    public bool SecretSet => Type == AuthTypes.Bearer ? TokenSet : PasswordSet;

    public BuyerAuth WithoutSecrets(bool stored) => this with
    {
        Password = null, Token = null,
        PasswordSet = stored && Type == AuthTypes.Basic, TokenSet = stored && Type == AuthTypes.Bearer,
    };

    // The generated record ToString would print the secrets into any log that formats a config.
    public override string ToString() => $"BuyerAuth {{ Type = {Type}, Username = {Username}, Set = {SecretSet} }}";
}

public static class ContentTypes
{
    public const string Json = "json", Form = "form", Xml = "xml";
}

public static class ResponseKinds
{
    public const string Json = "json", Xml = "xml", Regex = "regex";
}

public static class DefaultOutcomes
{
    public const string Error = "error", Pass = "pass", Rejected = "rejected";
}

public static class AuthTypes
{
    public const string Basic = "basic", Bearer = "bearer";
}
