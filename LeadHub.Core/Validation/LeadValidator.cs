using System.Collections.ObjectModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LeadHub.Core.Workspace;
using PhoneNumbers;

namespace LeadHub.Core.Validation;

// PingOnly: a publisher ping carries only non-PII fields, so PII fields are neither required nor kept.
public enum ValidationMode { Full, PingOnly }

public sealed record LeadValidationResult(
    JsonObject Fields,
    IReadOnlyDictionary<string, string[]> Errors,
    string? PhoneKey,
    string? EmailKey)
{
    public bool IsValid => Errors.Count == 0;

    // Adds errors found before validation (text that was not valid Unicode, see JsonUnicode).
    public LeadValidationResult WithErrors(IReadOnlyDictionary<string, string[]>? more)
    {
        if (more is null || more.Count == 0) return this;
        var all = new Dictionary<string, string[]>(Errors, StringComparer.Ordinal);
        foreach (var (field, messages) in more) all[field] = all.TryGetValue(field, out var had) ? [.. messages, .. had] : messages;
        return this with { Errors = all };
    }
}

// CONTRACT §3.1: checks a lead's fields against the campaign's definitions and normalises them,
// so routing, filters, buyers and dedupe all see one canonical form of every value.
// Each Parse* gets the raw element and, for JSON strings, the trimmed text (null otherwise);
// it returns an error message or null and the normalised value.
public static partial class LeadValidator
{
    // No definition may accept an unbounded string: leads are stored and forwarded to buyers.
    public const int MaxStringLength = 1000;

    // A TCPA disclosure with its partner list runs longer than a form field.
    public const int MaxConsentTextLength = 4000;

    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();
    private const string DefaultPhoneRegion = "US";

    private static readonly IReadOnlyDictionary<string, string[]> NoErrors =
        ReadOnlyDictionary<string, string[]>.Empty;

    public static LeadValidationResult Validate(
        IReadOnlyList<FieldDefinition> fields, JsonElement input, ValidationMode mode = ValidationMode.Full)
    {
        var output = new JsonObject();
        Dictionary<string, string[]>? errors = null;
        string? phoneKey = null, emailKey = null;

        for (var i = 0; i < fields.Count; i++)
        {
            var def = fields[i];
            if (mode == ValidationMode.PingOnly && def.Pii) continue;

            var present = input.TryGetProperty(def.Name, out var raw) && raw.ValueKind != JsonValueKind.Null;
            var text = present && raw.ValueKind == JsonValueKind.String ? raw.GetString()!.Trim() : null;
            if (!present || text is { Length: 0 })
            {
                if (def.Required) (errors ??= new(StringComparer.Ordinal))[def.Name] = ["is required"];
                continue;
            }

            JsonNode? value;
            var error = def.Type switch
            {
                FieldTypes.Integer => ParseInteger(def, raw, text, out value),
                FieldTypes.Decimal => ParseDecimal(def, raw, text, out value),
                FieldTypes.Boolean => ParseBoolean(def, raw, text, out value),
                FieldTypes.Email => ParseEmail(text, out value),
                FieldTypes.Phone => ParsePhone(raw, text, out value),
                FieldTypes.Zip => ParseZip(raw, text, out value),
                FieldTypes.State => ParseState(text, out value),
                FieldTypes.Date => ParseDate(text, out value),
                FieldTypes.Enum => ParseEnum(def, raw, text, out value),
                FieldTypes.TrustedForm => ParseTrustedForm(text, out value),
                FieldTypes.Jornaya => ParseJornaya(text, out value),
                FieldTypes.ConsentText => ParseString(def, raw, text, out value, MaxConsentTextLength),
                // Workspace validation is meant to reject unknown types; if one slips through, treat it as text rather than quarantine every lead.
                _ => ParseString(def, raw, text, out value),
            };

            if (error is not null)
            {
                (errors ??= new(StringComparer.Ordinal))[def.Name] = [error];
                continue;
            }

            output[def.Name] = value;
            if (def.Type == FieldTypes.Phone) phoneKey ??= (string)value!;
            else if (def.Type == FieldTypes.Email) emailKey ??= (string)value!;
        }

        return new LeadValidationResult(output, errors ?? NoErrors, phoneKey, emailKey);
    }

    private static string? ParseString(FieldDefinition def, JsonElement raw, string? text, out JsonNode? value,
        int maxLength = MaxStringLength)
    {
        value = null;
        text ??= raw.ValueKind switch
        {
            JsonValueKind.Number => raw.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
        if (text is null) return "must be a string";

        if (def.Min is { } min && text.Length < min) return $"must be at least {Format(min)} characters";
        var max = def.Max is { } m && m < maxLength ? m : maxLength;
        if (text.Length > max) return $"must be at most {Format(max)} characters";

        value = JsonValue.Create(text);
        return null;
    }

    private static string? ParseInteger(FieldDefinition def, JsonElement raw, string? text, out JsonNode? value)
    {
        value = null;
        long number;
        if (raw.ValueKind == JsonValueKind.Number)
        {
            // 34.0 or 3.4e1 are integral even though TryGetInt64 refuses them.
            if (!raw.TryGetInt64(out number))
            {
                if (!raw.TryGetDecimal(out var d) || d != decimal.Truncate(d) || d < long.MinValue || d > long.MaxValue)
                    return "must be an integer";
                number = (long)d;
            }
        }
        else if (text is null || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number))
        {
            return "must be an integer";
        }

        if (CheckRange(def, number) is { } rangeError) return rangeError;
        value = JsonValue.Create(number);
        return null;
    }

    private static string? ParseDecimal(FieldDefinition def, JsonElement raw, string? text, out JsonNode? value)
    {
        value = null;
        decimal number;
        if (raw.ValueKind == JsonValueKind.Number)
        {
            if (!raw.TryGetDecimal(out number)) return "must be a decimal";
        }
        else if (text is null || !decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number))
        {
            return "must be a decimal";
        }

        if (CheckRange(def, number) is { } rangeError) return rangeError;
        value = JsonValue.Create(number);
        return null;
    }

    private static string? CheckRange(FieldDefinition def, decimal number)
    {
        if (def.Min is { } min && number < min) return $"must be at least {Format(min)}";
        if (def.Max is { } max && number > max) return $"must be at most {Format(max)}";
        return null;
    }

    private static string? ParseBoolean(FieldDefinition def, JsonElement raw, string? text, out JsonNode? value)
    {
        value = null;
        bool? parsed = raw.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when raw.TryGetInt64(out var n) && n is 0 or 1 => n == 1,
            JsonValueKind.String => ParseBooleanText(text!),
            _ => null,
        };
        if (parsed is not { } flag) return "must be a boolean";

        // `values` such as [true] demand consent; an empty or absent list allows both.
        if (def.Values is { Count: > 0 } allowed)
        {
            var ok = false;
            foreach (var v in allowed)
                ok |= v.ValueKind == (flag ? JsonValueKind.True : JsonValueKind.False);
            if (!ok) return flag ? "must be false" : "must be true";
        }

        value = JsonValue.Create(flag);
        return null;
    }

    private static bool? ParseBooleanText(string text)
    {
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase) || text.Equals("yes", StringComparison.OrdinalIgnoreCase) || text == "1")
            return true;
        if (text.Equals("false", StringComparison.OrdinalIgnoreCase) || text.Equals("no", StringComparison.OrdinalIgnoreCase) || text == "0")
            return false;
        return null;
    }

    private static string? ParseEmail(string? text, out JsonNode? value)
    {
        value = null;
        if (text is null || text.Length > 254 || text.IndexOf('@') > 64 || !EmailRegex().IsMatch(text))
            return "is not a valid email address";

        // Dedupe compares whole addresses; in practice no mailbox provider treats local-part case as significant.
        value = JsonValue.Create(text.ToLowerInvariant());
        return null;
    }

    // TrustedForm's certificate URL: https://cert.trustedform.com/ and the 40 hex digits of the
    // certificate id (ActiveProspect's documented form). Kept with lower-case digits.
    private static string? ParseTrustedForm(string? text, out JsonNode? value)
    {
        value = null;
        if (text is null || !TrustedFormRegex().IsMatch(text))
            return "is not a TrustedForm certificate URL (https://cert.trustedform.com/ and 40 hex digits)";
        value = JsonValue.Create("https://cert.trustedform.com/" + text[^40..].ToLowerInvariant());
        return null;
    }

    // A Jornaya (Verisk) LeadiD token: 36 characters, hex in the GUID shape
    // XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX, as Jornaya documents it. Kept upper-case.
    private static string? ParseJornaya(string? text, out JsonNode? value)
    {
        value = null;
        if (text is null || !JornayaRegex().IsMatch(text))
            return "is not a Jornaya LeadiD token (36 characters: XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX, hex)";
        value = JsonValue.Create(text.ToUpperInvariant());
        return null;
    }

    [GeneratedRegex(@"^https://cert\.trustedform\.com/[0-9a-fA-F]{40}\z", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex TrustedFormRegex();

    [GeneratedRegex(@"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex JornayaRegex();

    // The form dedupe keys and suppression entries use for an email; null if it is not one.
    public static string? NormalizeEmail(string text) =>
        ParseEmail(text.Trim(), out var value) is null ? value!.GetValue<string>() : null;

    // The E.164 form of a phone typed in any format, for finding leads by phone; null if invalid.
    public static string? NormalizePhone(string text) =>
        ParsePhone(default, text.Trim(), out var value) is null ? value!.GetValue<string>() : null;

    private static string? ParsePhone(JsonElement raw, string? text, out JsonNode? value)
    {
        value = null;
        text ??= raw.ValueKind == JsonValueKind.Number ? raw.GetRawText() : null;
        if (text is null) return "is not a valid phone number";

        PhoneNumber number;
        try
        {
            number = Phones.Parse(text, DefaultPhoneRegion);
        }
        catch (NumberParseException)
        {
            return "is not a valid phone number";
        }
        if (!Phones.IsValidNumber(number)) return "is not a valid phone number";

        value = JsonValue.Create(Phones.Format(number, PhoneNumberFormat.E164));
        return null;
    }

    private static string? ParseZip(JsonElement raw, string? text, out JsonNode? value)
    {
        value = null;
        const string invalid = "is not a valid US ZIP code";

        if (raw.ValueKind == JsonValueKind.Number)
        {
            // A JSON number has lost its leading zeros (02134 → 2134); pad them back.
            if (!raw.TryGetInt32(out var n) || n is <= 0 or > 99999) return invalid;
            text = n.ToString("D5", CultureInfo.InvariantCulture);
        }
        if (text is null) return invalid;

        // 94107, 94107-1234, or the unpunctuated 941071234 some forms produce.
        var digits = text.Length switch
        {
            5 => IsDigits(text.AsSpan()),
            10 => text[5] == '-' && IsDigits(text.AsSpan(0, 5)) && IsDigits(text.AsSpan(6)),
            9 => IsDigits(text.AsSpan()),
            _ => false,
        };
        if (!digits || text.StartsWith("00000", StringComparison.Ordinal)) return invalid;

        value = JsonValue.Create(text.Length == 9 ? string.Concat(text.AsSpan(0, 5), "-", text.AsSpan(5)) : text);
        return null;
    }

    private static bool IsDigits(ReadOnlySpan<char> s) => !s.ContainsAnyExceptInRange('0', '9');

    private static string? ParseState(string? text, out JsonNode? value)
    {
        value = null;
        if (text is null || !States.TryGetValue(text, out var code)) return "is not a valid US state";
        value = JsonValue.Create(code);
        return null;
    }

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "M/d/yyyy"];

    private static string? ParseDate(string? text, out JsonNode? value)
    {
        value = null;
        if (text is null || !DateOnly.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return "is not a valid date";
        value = JsonValue.Create(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        return null;
    }

    private static string? ParseEnum(FieldDefinition def, JsonElement raw, string? text, out JsonNode? value)
    {
        value = null;
        text ??= raw.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False ? raw.GetRawText() : null;
        var allowed = def.Values ?? [];

        if (text is not null)
        {
            // Exact match first: the common case, and it allocates nothing.
            foreach (var v in allowed)
                if (v.ValueKind == JsonValueKind.String && v.ValueEquals(text)) { value = JsonValue.Create(text); return null; }
            foreach (var v in allowed)
            {
                var canonical = EnumText(v);
                if (string.Equals(canonical, text, StringComparison.OrdinalIgnoreCase)) { value = JsonValue.Create(canonical); return null; }
            }
        }

        var names = new string[allowed.Count];
        for (var i = 0; i < names.Length; i++) names[i] = EnumText(allowed[i]);
        return "must be one of: " + string.Join(", ", names);
    }

    private static string EnumText(JsonElement v) => v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();

    private static string Format(decimal d) => d.ToString("G29", CultureInfo.InvariantCulture);

    // Dot-atom local part and a dotted host name with an alphabetic (or punycode) top-level domain:
    // what buyers' systems accept, rather than everything RFC 5322 allows.
    [GeneratedRegex(
        @"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex EmailRegex();

    private static readonly Dictionary<string, string> States = BuildStates();

    private static Dictionary<string, string> BuildStates()
    {
        (string Code, string Name)[] states =
        [
            ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"), ("CA", "California"),
            ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"), ("FL", "Florida"), ("GA", "Georgia"),
            ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"), ("IN", "Indiana"), ("IA", "Iowa"),
            ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"), ("ME", "Maine"), ("MD", "Maryland"),
            ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"), ("MS", "Mississippi"), ("MO", "Missouri"),
            ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"), ("NH", "New Hampshire"), ("NJ", "New Jersey"),
            ("NM", "New Mexico"), ("NY", "New York"), ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"),
            ("OK", "Oklahoma"), ("OR", "Oregon"), ("PA", "Pennsylvania"), ("RI", "Rhode Island"), ("SC", "South Carolina"),
            ("SD", "South Dakota"), ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"),
            ("VA", "Virginia"), ("WA", "Washington"), ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"),
            ("DC", "District of Columbia"), ("PR", "Puerto Rico"), ("VI", "U.S. Virgin Islands"), ("GU", "Guam"),
            ("AS", "American Samoa"), ("MP", "Northern Mariana Islands"),
        ];
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (code, name) in states)
        {
            map[code] = code;
            map[name] = code;
        }
        map["Virgin Islands"] = "VI";
        map["Washington DC"] = "DC";
        map["Washington, D.C."] = "DC";
        return map;
    }
}
