using System.Text.RegularExpressions;

namespace LeadHub.Core.Security;

// Buyer URLs may carry credentials ("https://user:pass@buyer.example/ping"). They are needed to
// route, but an export, the portal and the audit log show "https://***@buyer.example/ping".
public static partial class UrlCredentials
{
    public const string Mask = "***";

    // scheme "://" userinfo "@"; userinfo cannot hold '/', '?', '#' or '@' (they end the authority).
    [GeneratedRegex(@"\b([a-zA-Z][a-zA-Z0-9+.\-]*://)[^/?#@\s""'<>]+@")]
    private static partial Regex UserInfo();

    // The URL (or every URL inside a text, e.g. an audit row's JSON) with user name and password
    // replaced by ***; text without them is returned as it is.
    public static string? Redact(string? text) => text is null ? null : UserInfo().Replace(text, "$1" + Mask + "@");

    // True when the URL still holds the mask where credentials were: it came from an export or
    // the portal and must not be stored as it is.
    public static bool IsRedacted(string? url) => url is not null && url.Contains("://" + Mask + "@", StringComparison.Ordinal);
}
