namespace LeadHub.Core.Suppression;

// A do-not-contact list (README "Suppression and consent"): its scope says which leads it stops.
// Its entries are keyed hashes of normalised phones and emails; the plain values are never stored.
public sealed class SuppressionListRow
{
    public string Key { get; set; } = "";
    public string Name { get; set; } = "";

    // dnc, litigator, or any label a manager uses; shown, not interpreted.
    public string Kind { get; set; } = "";
    public string Scope { get; set; } = SuppressionScopes.Global;

    // The campaign or buyer key of a campaign or buyer list; null for a global one.
    public string? Target { get; set; }
    public int EntryCount { get; set; }

    // Grows with every change of the list's entries; a node reloads the lists whose version moved.
    public long Version { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? LastUploadAt { get; set; }
    public string? LastUploadBy { get; set; }
    public int? LastUploadRows { get; set; }
}

public sealed class SuppressionEntryRow
{
    public string ListKey { get; set; } = "";

    // HMAC-SHA-256 of the normalised value under the workspace's suppression key (SuppressionHasher).
    public byte[] Hash { get; set; } = [];
}

// The suppression key (a random 32-byte HMAC key), protected with Data Protection like buyer
// credentials. One row.
public sealed class SuppressionKeyRow
{
    public int Id { get; set; }
    public string ProtectedKey { get; set; } = "";
}

public static class SuppressionScopes
{
    public const string Global = "global", Campaign = "campaign", Buyer = "buyer";

    public static readonly IReadOnlyList<string> All = [Global, Campaign, Buyer];
}

// The stored lead reason and the publisher's reason code of a lead stopped by a global or campaign list.
public static class SuppressionReasons
{
    public const string Suppressed = "suppressed";
}
