using System.Globalization;
using System.Text.Json;
using LeadHub.Core.Routing;
using LeadHub.Core.Workspace;

namespace LeadHub.Web.Components.Pages.Buyers;

// How the value of a filter row is entered; follows from the op and the field's type.
public enum FilterInput { None, List, Range, NumberRange, Bool, Choice, Number, Text }

// One row of the filter builder. It keeps every kind of input it may show (text, number,
// true/false, list) so that switching the op or field back and forth loses nothing, and
// builds the FilterConfig with a JSON value of the kind the field needs.
public sealed class FilterRow
{
    public string Field { get; set; } = "";
    public string Op { get; set; } = FilterOps.Eq;
    public string? Text { get; set; }
    public string? Text2 { get; set; }
    public decimal? Number { get; set; }
    public decimal? Number2 { get; set; }
    public string? Bool { get; set; }
    public List<string> Items { get; set; } = [];

    // The ops in the order the op select lists them, with their plain-language labels: Filter.Ops.
    public static IEnumerable<string> Ops => Filter.Ops.Select(o => o.Name);

    public static string LabelOf(string op) => Filter.Op(op)?.Label ?? op;

    public static bool IsNumeric(FieldDefinition? field) => field?.Type is FieldTypes.Integer or FieldTypes.Decimal;

    public FilterInput InputFor(FieldDefinition? field) => Filter.Op(Op)?.Input switch
    {
        FilterValueInput.None => FilterInput.None,
        FilterValueInput.List => FilterInput.List,
        FilterValueInput.Range => IsNumeric(field) ? FilterInput.NumberRange : FilterInput.Range,
        FilterValueInput.Pattern => FilterInput.Text,
        FilterValueInput.Scalar when field?.Type == FieldTypes.Boolean => FilterInput.Bool,
        FilterValueInput.Scalar when field?.Type == FieldTypes.Enum => FilterInput.Choice,
        _ when IsNumeric(field) => FilterInput.Number,
        _ => FilterInput.Text,
    };

    public FilterConfig ToConfig(FieldDefinition? field)
    {
        JsonElement? value = InputFor(field) switch
        {
            FilterInput.None => null,
            FilterInput.List when Op == FilterOps.StartsWith && Items.Count == 1 => Json(Items[0]),
            FilterInput.List => Items.Count == 0 ? null : Json(Items.Select(i => Scalar(i, field)).ToList()),
            FilterInput.NumberRange => Number is null || Number2 is null ? null : Json(new[] { Number.Value, Number2.Value }),
            FilterInput.Range => string.IsNullOrWhiteSpace(Text) || string.IsNullOrWhiteSpace(Text2) ? null : Json(new[] { Text.Trim(), Text2.Trim() }),
            FilterInput.Bool => Bool is null ? null : Json(Bool == "true"),
            FilterInput.Number => Number is null ? null : Json(Number.Value),
            // A pattern keeps its spaces; everything else is trimmed.
            _ => string.IsNullOrEmpty(Text) ? null : Json(Filter.Op(Op)?.Input == FilterValueInput.Pattern ? Text : Text.Trim()),
        };
        return new FilterConfig { Field = Field, Op = Op, Value = value };
    }

    public static FilterRow From(FilterConfig config)
    {
        var row = new FilterRow { Field = config.Field, Op = config.Op };
        if (config.Value is not { } value) return row;
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                var items = value.EnumerateArray().ToList();
                row.Items = items.Select(Show).ToList();
                if (items.Count == 2)
                {
                    (row.Text, row.Text2) = (Show(items[0]), Show(items[1]));
                    if (items[0].ValueKind == JsonValueKind.Number && items[0].TryGetDecimal(out var min)) row.Number = min;
                    if (items[1].ValueKind == JsonValueKind.Number && items[1].TryGetDecimal(out var max)) row.Number2 = max;
                }
                break;
            case JsonValueKind.Number:
                row.Text = value.GetRawText();
                row.Items = [row.Text];
                if (value.TryGetDecimal(out var number)) row.Number = number;
                break;
            case JsonValueKind.True or JsonValueKind.False:
                row.Bool = row.Text = value.GetRawText();
                row.Items = [row.Text];
                break;
            case JsonValueKind.String:
                row.Text = value.GetString();
                row.Items = [row.Text!];
                if (row.Text is "true" or "false") row.Bool = row.Text;
                if (decimal.TryParse(row.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)) row.Number = parsed;
                break;
        }
        return row;
    }

    // A list item as the field's type wants it: numbers for numeric fields, booleans for boolean ones.
    private static object Scalar(string item, FieldDefinition? field)
    {
        var text = item.Trim();
        if (IsNumeric(field) && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) return number;
        if (field?.Type == FieldTypes.Boolean && bool.TryParse(text, out var b)) return b;
        return text;
    }

    private static string Show(JsonElement e) => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText();

    private static JsonElement Json<T>(T value) => JsonSerializer.SerializeToElement(value, WorkspaceJson.Options);
}
