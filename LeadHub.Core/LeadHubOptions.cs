namespace LeadHub.Core;

// The `LeadHub` section of appsettings.json (CONTRACT §7). Defaults here are the embedded ones.
public sealed class LeadHubOptions
{
    public const string Section = "LeadHub";

    public DatabaseOptions Database { get; set; } = new();

    // Bearer token of the admin API; the admin API answers 401 to everyone until it is set.
    public string? AdminApiToken { get; set; }

    // A workspace JSON (CONTRACT §4) imported at start-up.
    public string? WorkspaceFile { get; set; }

    public bool Demo { get; set; }

    // Largest lead body accepted, in bytes (413 above it).
    public int MaxLeadBytes { get; set; } = 64 * 1024;

    public RecoveryOptions Recovery { get; set; } = new();
}

public sealed class DatabaseOptions
{
    public string Provider { get; set; } = "Sqlite";
}

public sealed class RecoveryOptions
{
    // A lead found `routing` after a restart is routed again if it arrived at most this long
    // ago; older ones are closed as unsold (buyers would no longer want a stale lead).
    public int RerouteWithinSeconds { get; set; } = 60;
}
