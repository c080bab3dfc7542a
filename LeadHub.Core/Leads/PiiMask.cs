namespace LeadHub.Core.Leads;

// What a Viewer sees of personal data: enough to tell two leads apart, not enough to contact anyone.
public static class PiiMask
{
    public static string Mask(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var at = value.IndexOf('@');
        if (at > 0) return value[0] + "***" + value[at..];
        if (value.StartsWith('+') && value.Length > 6) return value[..2] + new string('•', value.Length - 6) + value[^4..];
        return value[0] + new string('•', Math.Min(6, Math.Max(2, value.Length - 1)));
    }
}
