using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeadHub.Core.Routing;
using LeadHub.Core.Workspace;
using LeadHub.Web.Components.Pages.Buyers;

namespace LeadHub.Tests.Routing;

// Filter.Ops is the one table of filter ops: the validator, the engine and the portal's filter
// builder all read it. Each op needs an example here (a value of its shape, a lead value it
// passes and one it does not), so a new op cannot join the table untested.
public class FilterOpTableTests
{
    private sealed record Example(FieldDefinition Field, string ValueJson, JsonNode? Passes, JsonNode? Fails, FilterInput Input);

    private static readonly FieldDefinition Number = new() { Name = "age", Type = FieldTypes.Integer };
    private static readonly FieldDefinition Text = new() { Name = "zip", Type = FieldTypes.Zip };
    private static readonly FieldDefinition Flag = new() { Name = "homeowner", Type = FieldTypes.Boolean };

    private static readonly Dictionary<string, Example> Examples = new()
    {
        [FilterOps.Eq] = new(Flag, "true", true, false, FilterInput.Bool),
        [FilterOps.Ne] = new(Text, "\"94107\"", "10001", "94107", FilterInput.Text),
        [FilterOps.In] = new(Number, "[30,34]", 34L, 35L, FilterInput.List),
        [FilterOps.NotIn] = new(Text, "[\"94107\",\"10001\"]", "60601", "10001", FilterInput.List),
        [FilterOps.Between] = new(Number, "[21,75]", 75L, 76L, FilterInput.NumberRange),
        [FilterOps.Gt] = new(Number, "21", 22L, 21L, FilterInput.Number),
        [FilterOps.Gte] = new(Number, "21", 21L, 20L, FilterInput.Number),
        [FilterOps.Lt] = new(Number, "21", 20L, 21L, FilterInput.Number),
        [FilterOps.Lte] = new(Number, "21", 21L, 22L, FilterInput.Number),
        [FilterOps.StartsWith] = new(Text, "[\"94\",\"95\"]", "95014", "10001", FilterInput.List),
        [FilterOps.Regex] = new(Text, "\"^9[0-6] ?\"", "94107", "10001", FilterInput.Text),
        [FilterOps.Exists] = new(Text, "null", "94107", null, FilterInput.None),
        [FilterOps.NotExists] = new(Text, "null", null, "94107", FilterInput.None),
    };

    public static TheoryData<string> OpNames() => [.. Filter.Ops.Select(o => o.Name)];

    [Fact]
    public void Every_op_has_one_entry_with_a_label_and_an_example()
    {
        var names = Filter.Ops.Select(o => o.Name).ToList();
        Assert.Equal(names.Distinct().Count(), names.Count);
        Assert.All(Filter.Ops, o => Assert.False(string.IsNullOrWhiteSpace(o.Label), o.Name));
        Assert.Equal(Filter.Ops.Select(o => o.Label).Distinct().Count(), names.Count);
        Assert.Equal(names.Order(), Examples.Keys.Order());
    }

    [Fact]
    public void Every_named_op_constant_is_in_the_table()
    {
        var constants = typeof(FilterOps).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);
        Assert.Equal(constants.Order(), Filter.Ops.Select(o => o.Name).Order());
    }

    [Fact]
    public void The_validator_names_the_tables_ops_in_its_order()
    {
        var problem = Assert.Single(Filter.Check(Config("x", "no_such_op", null), Text));
        Assert.Equal($"unknown op 'no_such_op'; valid ops are {string.Join(", ", Filter.Ops.Select(o => o.Name))}", problem);
    }

    [Theory]
    [MemberData(nameof(OpNames))]
    public void An_op_checks_compiles_and_tests_per_its_entry(string op)
    {
        var e = Examples[op];
        var config = Config(e.Field.Name, op, e.ValueJson);
        Assert.Empty(Filter.Check(config, e.Field));
        var filter = Filter.Compile(config);
        Assert.StartsWith($"{e.Field.Name} {op}", filter.Description);
        Assert.True(filter.Matches(Lead(e.Field, e.Passes)), $"{filter} should pass {e.Passes?.ToJsonString() ?? "a missing value"}");
        Assert.False(filter.Matches(Lead(e.Field, e.Fails)), $"{filter} should fail {e.Fails?.ToJsonString() ?? "a missing value"}");
    }

    [Theory]
    [MemberData(nameof(OpNames))]
    public void An_op_rejects_a_value_of_another_shape(string op)
    {
        // An object is no op's value; for the ops that take none, any value is wrong.
        var problem = Assert.Single(Filter.Check(Config("x", op, "{\"a\":1}"), Text));
        Assert.StartsWith($"op '{op}' ", problem);
    }

    [Theory]
    [MemberData(nameof(OpNames))]
    public void The_portal_shows_the_tables_label_and_input_and_saves_the_same_filter(string op)
    {
        var e = Examples[op];
        var entry = Filter.Op(op)!;
        Assert.Contains(op, FilterRow.Ops);
        Assert.Equal(entry.Label, FilterRow.LabelOf(op));

        var config = Config(e.Field.Name, op, e.ValueJson);
        var row = FilterRow.From(config);
        Assert.Equal(e.Input, row.InputFor(e.Field));
        var saved = row.ToConfig(e.Field);
        Assert.Empty(Filter.Check(saved, e.Field));
        Assert.Equal(Filter.Compile(config).Description, Filter.Compile(saved).Description);
    }

    [Fact]
    public void The_portal_lists_the_ops_in_the_tables_order_and_shows_an_unknown_op_by_name()
    {
        Assert.Equal(Filter.Ops.Select(o => o.Name), FilterRow.Ops);
        Assert.Equal("contains", FilterRow.LabelOf("contains"));
    }

    private static FilterConfig Config(string field, string op, string? valueJson) => new()
    {
        Field = field,
        Op = op,
        Value = valueJson is null ? null : JsonDocument.Parse(valueJson).RootElement.Clone(),
    };

    private static JsonObject Lead(FieldDefinition field, JsonNode? value) =>
        value is null ? [] : new JsonObject { [field.Name] = value.DeepClone() };
}
