using System.Globalization;
using System.Text.Json;

namespace LeadHub.Core.Delivery;

// The one reader of amounts that buyers send (bids, prices), whatever the format. A bid is money
// that a buyer will be invoiced: a text that a person would not read as exactly one amount is
// refused with the reason, never rescaled or rounded (README "Buyer formats", "Money").
//   "12.50", "12.5", "$12.50", "USD 12.50", "1,250.00", 12.5 (a JSON number) → the amount;
//   "12,50" (a decimal comma, or a misplaced thousands separator), "1,250" (either 1.25 or 1250),
//   "1e3", "NaN", "-5", "12.505", "" → refused.
public static class Money
{
    // More than this is no lead price; it is a buggy buyer or a decimal point in the wrong place.
    public const decimal Largest = 1_000_000m;

    public static bool TryParse(string? text, out decimal amount, out string? problem)
    {
        amount = 0;
        var s = text?.Trim() ?? "";
        if (s.StartsWith("USD", StringComparison.OrdinalIgnoreCase)) s = s[3..].TrimStart();
        else if (s.EndsWith("USD", StringComparison.OrdinalIgnoreCase)) s = s[..^3].TrimEnd();
        if (s.StartsWith('$')) s = s[1..].TrimStart();
        if (s.Length == 0) return Fail("no amount", out problem);
        if (s[0] is '-' or '−') return Fail("a negative amount", out problem);

        var point = s.IndexOf('.');
        var whole = point < 0 ? s : s[..point];
        var fraction = point < 0 ? "" : s[(point + 1)..];
        if (whole.Length == 0 || (point >= 0 && fraction.Length == 0) || !fraction.All(char.IsAsciiDigit))
            return Fail($"'{Shown(text)}' is not an amount", out problem);
        if (whole.Contains(','))
        {
            // Thousands separators only where nothing else can be meant: groups of three, and a decimal point after them.
            var groups = whole.Split(',');
            if (point < 0) return Fail($"'{Shown(text)}' could be read two ways (decimal comma or thousands separator)", out problem);
            if (groups[0].Length is < 1 or > 3 || groups.Skip(1).Any(g => g.Length != 3))
                return Fail($"'{Shown(text)}' has a comma where no thousands separator can be", out problem);
            whole = string.Concat(groups);
        }
        if (!whole.All(char.IsAsciiDigit)) return Fail($"'{Shown(text)}' is not an amount", out problem);
        if (fraction.TrimEnd('0').Length > 2) return Fail($"'{Shown(text)}' has more than 2 decimals", out problem);
        if (whole.TrimStart('0').Length > 7) return Fail($"'{Shown(text)}' is above {Largest.ToString("N0", CultureInfo.InvariantCulture)}", out problem);

        amount = decimal.Parse(whole + (fraction.Length > 0 ? "." + fraction : ""), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        if (amount > Largest) return Fail($"'{Shown(text)}' is above {Largest.ToString("N0", CultureInfo.InvariantCulture)}", out problem);
        amount = decimal.Round(amount, 2);
        problem = null;
        return true;
    }

    // A JSON number or string; a number is read from its text as written, so 1e30 is refused rather than rounded.
    public static bool TryRead(JsonElement e, out decimal amount, out string? problem)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Number:
            case JsonValueKind.String:
                return TryParse(e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText(), out amount, out problem);
            default:
                amount = 0;
                return Fail($"a {e.ValueKind.ToString().ToLowerInvariant()} is not an amount", out problem);
        }
    }

    private static bool Fail(string why, out string? problem)
    {
        problem = why;
        return false;
    }

    // The buyer's text, cut short: it lands in a trace reason.
    private static string Shown(string? text) => text is null ? "" : text.Length <= 32 ? text : text[..32] + "…";
}
