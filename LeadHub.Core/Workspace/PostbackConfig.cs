using System.Text.Json.Serialization;

namespace LeadHub.Core.Workspace;

// A publisher's postbacks (README "Postbacks"): which URL LeadHub calls when one of its leads
// reaches an event, and the secret the call is signed with. Part of PublisherConfig.
public sealed record PostbacksConfig
{
    // At most one template per event.
    public List<PostbackTemplate> Templates { get; init; } = [];

    // HMAC-SHA256 signing key. Only ever read on import (an empty string removes it); stored
    // encrypted like buyer credentials and never exported: `signingSecretSet` says whether one is.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SigningSecret { get; init; }

    public bool SigningSecretSet { get; init; }

    // Attempts before a postback is given up (state `failed`, an alert raised).
    public int MaxAttempts { get; init; } = 8;
}

public sealed record PostbackTemplate
{
    // Any of PostbackEvents.All.
    public List<string> Events { get; init; } = [];

    // With placeholders {leadId} {externalId} {subId} {status} {payout} {reasonCode} {campaign} {event}, URL-encoded when filled.
    public string Url { get; init; } = "";

    // GET (values in the URL only) or POST (the same values as a JSON body as well).
    public string Method { get; init; } = "GET";
}

public static class PostbackEvents
{
    public const string Sold = "sold", Unsold = "unsold", Invalid = "invalid", Duplicate = "duplicate", Returned = "returned";

    public static readonly IReadOnlyList<string> All = [Sold, Unsold, Invalid, Duplicate, Returned];
}
