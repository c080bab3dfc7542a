using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Routing;

// How the portal asks for an op's value: nothing, one value (a true/false or choice select for
// boolean and enum fields, a number for numeric ones), an ordered value (number or text), a list,
// a [from, to] range, or a pattern kept as typed.
public enum FilterValueInput { None, Scalar, Ordered, List, Range, Pattern }

// One filter op: its name in the workspace, the portal's label and value input, the check of its
// value's shape (null when fine, else the problem) and how it compiles into a test of a lead's value.
public sealed class FilterOp
{
    internal FilterOp(string name, string label, FilterValueInput input, Func<string, JsonElement?, string?> checkValue,
        Func<JsonElement?, Filter.Compiled> compile)
    {
        Name = name;
        Label = label;
        Input = input;
        CheckValue = checkValue;
        Compile = compile;
    }

    public string Name { get; }
    public string Label { get; }
    public FilterValueInput Input { get; }
    internal Func<string, JsonElement?, string?> CheckValue { get; }
    internal Func<JsonElement?, Filter.Compiled> Compile { get; }
}

// One contract filter (CONTRACT §4), compiled once at configuration time so that Matches,
// which runs for every contract on every lead, only compares pre-parsed values.
public sealed class Filter
{
    // Every op, in the order the portal lists them: the one table the validator (Check), the
    // engine (Compile) and the portal's filter builder read. A new op is one entry here.
    public static readonly IReadOnlyList<FilterOp> Ops =
    [
        new(FilterOps.Eq, "equals", FilterValueInput.Scalar, NeedsScalar, v => OneOf([v!.Value], true, v)),
        new(FilterOps.Ne, "does not equal", FilterValueInput.Scalar, NeedsScalar, v => OneOf([v!.Value], false, v)),
        new(FilterOps.In, "is one of", FilterValueInput.List, NeedsScalars, v => OneOf([.. v!.Value.EnumerateArray()], true, v)),
        new(FilterOps.NotIn, "is none of", FilterValueInput.List, NeedsScalars, v => OneOf([.. v!.Value.EnumerateArray()], false, v)),
        new(FilterOps.Between, "is between", FilterValueInput.Range, (_, v) => CheckBetween(v), Between),
        new(FilterOps.Gt, "is greater than", FilterValueInput.Ordered, NeedsOrderable, v => Compared(v, c => c > 0)),
        new(FilterOps.Gte, "is at least", FilterValueInput.Ordered, NeedsOrderable, v => Compared(v, c => c >= 0)),
        new(FilterOps.Lt, "is less than", FilterValueInput.Ordered, NeedsOrderable, v => Compared(v, c => c < 0)),
        new(FilterOps.Lte, "is at most", FilterValueInput.Ordered, NeedsOrderable, v => Compared(v, c => c <= 0)),
        new(FilterOps.StartsWith, "starts with", FilterValueInput.List, NeedsPrefixes, StartsWith),
        new(FilterOps.Regex, "matches the pattern", FilterValueInput.Pattern, (_, v) => CheckRegex(v), MatchesPattern),
        new(FilterOps.Exists, "is present", FilterValueInput.None, NeedsNoValue, _ => new(static (in LeadValue _) => true, false, null)),
        new(FilterOps.NotExists, "is missing", FilterValueInput.None, NeedsNoValue, _ => new(static (in LeadValue _) => false, true, null)),
    ];

    public static FilterOp? Op(string name) => Ops.FirstOrDefault(o => o.Name == name);

    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(50);

    internal delegate bool Test(in LeadValue value);

    // A compiled op: the test of a present value, the answer for a missing one, and the value as shown in the description.
    internal readonly record struct Compiled(Test Test, bool WhenMissing, string? Shown);

    private readonly string _field;
    private readonly Test _test;
    private readonly bool _whenMissing;

    private Filter(string field, Compiled compiled, string description)
    {
        _field = field;
        _test = compiled.Test;
        _whenMissing = compiled.WhenMissing;
        Description = description;
    }

    public string Description { get; }

    public static IReadOnlyList<string> Check(FilterConfig config, FieldDefinition? field)
    {
        var problems = CheckDefinition(config);
        if (field is null && !string.IsNullOrEmpty(config.Field))
            problems.Add($"field '{config.Field}' is not defined in the campaign");
        return problems;
    }

    public static Filter Compile(FilterConfig config)
    {
        var problems = CheckDefinition(config);
        if (problems.Count > 0)
            throw new ArgumentException($"Invalid filter on '{config.Field}': {string.Join("; ", problems)}", nameof(config));

        var compiled = Op(config.Op)!.Compile(ValueOf(config));
        var description = $"{config.Field} {config.Op}";
        return new(config.Field, compiled, compiled.Shown is null ? description : $"{description} {compiled.Shown}");
    }

    public bool Matches(JsonObject fields)
    {
        var value = LeadValue.Read(fields.TryGetPropertyValue(_field, out var node) ? node : null);
        return value.Kind == LeadKind.Missing ? _whenMissing : _test(value);
    }

    public override string ToString() => Description;

    private static List<string> CheckDefinition(FilterConfig config)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(config.Field))
            problems.Add("filter has no field");

        if (Op(config.Op) is not { } op)
        {
            problems.Add($"unknown op '{config.Op}'; valid ops are {string.Join(", ", Ops.Select(o => o.Name))}");
            return problems;
        }
        if (op.CheckValue(op.Name, ValueOf(config)) is { } problem)
            problems.Add(problem);
        return problems;
    }

    // The compilers of the table's ops.
    private static Compiled OneOf(IEnumerable<JsonElement> values, bool isIn, JsonElement? shown)
    {
        var set = new ValueSet(values);
        return new((in LeadValue v) => set.Contains(v) == isIn, !isIn, Show(shown!.Value));
    }

    private static Compiled Between(JsonElement? value)
    {
        var min = new Bound(value!.Value[0]);
        var max = new Bound(value.Value[1]);
        return new((in LeadValue v) => min.Compare(v) >= 0 && max.Compare(v) <= 0, false, $"{Show(value.Value[0])} and {Show(value.Value[1])}");
    }

    private static Compiled Compared(JsonElement? value, Func<int, bool> holds)
    {
        var bound = new Bound(value!.Value);
        return new((in LeadValue v) => bound.Compare(v) is { } c && holds(c), false, Show(value.Value));
    }

    private static Compiled StartsWith(JsonElement? value)
    {
        string[] prefixes = value!.Value.ValueKind == JsonValueKind.Array
            ? [.. value.Value.EnumerateArray().Select(e => e.GetString()!)]
            : [value.Value.GetString()!];
        return new((in LeadValue v) => v.Kind == LeadKind.String && StartsWithAny(v.Text!, prefixes), false, Show(value.Value));
    }

    private static Compiled MatchesPattern(JsonElement? value)
    {
        var regex = new Regex(value!.Value.GetString()!, RegexOptions.CultureInvariant, RegexTimeout);
        return new((in LeadValue v) => v.Kind == LeadKind.String && IsMatch(regex, v.Text!), false, regex.ToString());
    }

    // The value shapes of the table's ops.
    private static string? NeedsNoValue(string op, JsonElement? value) => value is null ? null : $"op '{op}' takes no value";

    private static string? NeedsScalar(string op, JsonElement? value) =>
        value is { } v && IsScalar(v) ? null : $"op '{op}' needs a string, number or boolean value";

    private static string? NeedsScalars(string op, JsonElement? value) =>
        value is { ValueKind: JsonValueKind.Array } a && a.GetArrayLength() > 0 && a.EnumerateArray().All(IsScalar)
            ? null
            : $"op '{op}' needs a non-empty array of strings, numbers or booleans";

    private static string? NeedsOrderable(string op, JsonElement? value) =>
        value is { } v && IsOrderable(v) ? null : $"op '{op}' needs a number or a (date) string value";

    private static string? NeedsPrefixes(string op, JsonElement? value) =>
        value is { ValueKind: JsonValueKind.String }
        || value is { ValueKind: JsonValueKind.Array } a && a.GetArrayLength() > 0 && a.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            ? null
            : $"op '{op}' needs a string or a non-empty array of strings";

    private static string? CheckBetween(JsonElement? value)
    {
        const string shape = "op 'between' needs an array of exactly 2 numbers or 2 (date) strings: [min, max]";
        if (value is not { ValueKind: JsonValueKind.Array } a || a.GetArrayLength() != 2)
            return shape;
        var (min, max) = (a[0], a[1]);
        if (min.ValueKind != max.ValueKind || !IsOrderable(min))
            return shape;
        var ordered = min.ValueKind == JsonValueKind.Number
            ? min.GetDecimal() <= max.GetDecimal()
            : string.CompareOrdinal(min.GetString(), max.GetString()) <= 0;
        return ordered ? null : $"op 'between' has min {Show(min)} greater than max {Show(max)}";
    }

    private static string? CheckRegex(JsonElement? value)
    {
        if (value is not { ValueKind: JsonValueKind.String } v)
            return "op 'regex' needs a string pattern";
        try
        {
            _ = new Regex(v.GetString()!, RegexOptions.CultureInvariant, RegexTimeout);
            return null;
        }
        catch (ArgumentException e)
        {
            return $"op 'regex' has an invalid pattern: {e.Message}";
        }
    }

    // A JSON null is treated like no value at all, whichever way the deserializer surfaces it.
    private static JsonElement? ValueOf(FilterConfig config) =>
        config.Value is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } v ? v : null;

    private static bool IsScalar(JsonElement e) =>
        e.ValueKind is JsonValueKind.String or JsonValueKind.True or JsonValueKind.False
        || e.ValueKind == JsonValueKind.Number && e.TryGetDecimal(out _);

    private static bool IsOrderable(JsonElement e) =>
        e.ValueKind == JsonValueKind.String || e.ValueKind == JsonValueKind.Number && e.TryGetDecimal(out _);

    private static string Show(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Array => $"[{string.Join(", ", e.EnumerateArray().Select(Show))}]",
        _ => e.GetRawText(),
    };

    private static bool StartsWithAny(string text, string[] prefixes)
    {
        foreach (var prefix in prefixes)
        {
            if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    // A pattern that takes too long on some input must not stall routing; such a lead simply doesn't qualify.
    private static bool IsMatch(Regex regex, string text)
    {
        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static bool TryParseNumber(string text, out decimal number) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number);

    internal enum LeadKind { Missing, String, Number, Bool, Other }

    // The lead's value of the filtered field, read once per Matches without allocating.
    internal readonly struct LeadValue
    {
        public LeadKind Kind { get; private init; }
        public string? Text { get; private init; }
        public decimal Number { get; private init; }
        public bool Bool { get; private init; }

        public static LeadValue Read(JsonNode? node)
        {
            if (node is null)
                return default;
            if (node is not JsonValue v)
                return new() { Kind = LeadKind.Other };
            if (v.TryGetValue(out string? text))
                return new() { Kind = LeadKind.String, Text = text };
            if (v.TryGetValue(out bool b))
                return new() { Kind = LeadKind.Bool, Bool = b };
            if (TryGetNumber(v, out var n))
                return new() { Kind = LeadKind.Number, Number = n };
            return new() { Kind = LeadKind.Other };
        }

        // JsonValue built from a CLR primitive only converts to its own type, so try the usual ones.
        private static bool TryGetNumber(JsonValue v, out decimal n)
        {
            if (v.TryGetValue(out n))
                return true;
            if (v.TryGetValue(out long l)) { n = l; return true; }
            if (v.TryGetValue(out int i)) { n = i; return true; }
            if (v.TryGetValue(out double d) && double.IsFinite(d) && Math.Abs(d) < 7.9e28) { n = (decimal)d; return true; }
            if (v.TryGetValue(out float f) && float.IsFinite(f) && Math.Abs(f) < 7.9e28f) { n = (decimal)f; return true; }
            if (v.TryGetValue(out short s)) { n = s; return true; }
            if (v.TryGetValue(out byte by)) { n = by; return true; }
            if (v.TryGetValue(out uint ui)) { n = ui; return true; }
            if (v.TryGetValue(out ulong ul)) { n = ul; return true; }
            n = 0;
            return false;
        }

        public bool TryGetNumber(out decimal n)
        {
            if (Kind == LeadKind.Number) { n = Number; return true; }
            if (Kind == LeadKind.String && TryParseNumber(Text!, out n)) return true;
            n = 0;
            return false;
        }
    }

    // Values of eq/ne/in/not_in. A number matches a string only when the string parses as that number,
    // so "34" and 34 are equal but two strings are never compared as numbers ("02134" is not "2134").
    private sealed class ValueSet
    {
        private readonly HashSet<string> _strings = new(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<decimal> _numbers = [];
        private readonly HashSet<decimal> _numericStrings = [];
        private readonly bool _true, _false;

        public ValueSet(IEnumerable<JsonElement> values)
        {
            foreach (var e in values)
            {
                switch (e.ValueKind)
                {
                    case JsonValueKind.String:
                        _strings.Add(e.GetString()!);
                        if (TryParseNumber(e.GetString()!, out var n))
                            _numericStrings.Add(n);
                        break;
                    case JsonValueKind.Number:
                        _numbers.Add(e.GetDecimal());
                        break;
                    case JsonValueKind.True:
                        _true = true;
                        break;
                    case JsonValueKind.False:
                        _false = true;
                        break;
                }
            }
        }

        public bool Contains(in LeadValue v) => v.Kind switch
        {
            LeadKind.String => _strings.Contains(v.Text!)
                || _numbers.Count > 0 && TryParseNumber(v.Text!, out var n) && _numbers.Contains(n),
            LeadKind.Number => _numbers.Contains(v.Number) || _numericStrings.Contains(v.Number),
            LeadKind.Bool => v.Bool ? _true : _false,
            _ => false,
        };
    }

    // One end of a range: a number compares numerically (parsing string lead values),
    // a string compares ordinally, which orders ISO dates correctly.
    private sealed class Bound(JsonElement e)
    {
        private readonly decimal? _number = e.ValueKind == JsonValueKind.Number ? e.GetDecimal() : null;
        private readonly string? _text = e.ValueKind == JsonValueKind.String ? e.GetString() : null;

        // Sign of (lead value - bound), or null when they can't be compared.
        public int? Compare(in LeadValue v)
        {
            if (_number is { } bound)
                return v.TryGetNumber(out var n) ? n.CompareTo(bound) : null;
            return v.Kind == LeadKind.String ? Math.Sign(string.CompareOrdinal(v.Text, _text)) : null;
        }
    }
}
