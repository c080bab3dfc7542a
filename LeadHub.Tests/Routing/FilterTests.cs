using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeadHub.Core.Routing;
using LeadHub.Core.Workspace;

namespace LeadHub.Tests.Routing;

public class FilterTests
{
    // Normalised values as the validator hands them to routing: CLR primitives, not parsed JSON.
    private static JsonObject Lead() => new()
    {
        ["state"] = "CA",
        ["age"] = 34L,
        ["homeowner"] = true,
        ["zip"] = "94107",
        ["income"] = 52000.50m,
        ["age_text"] = "34",
        ["dob"] = "1990-05-01",
        ["email"] = "ana.ruiz@example.com",
        ["nothing"] = null,
    };

    private static FilterConfig Config(string field, string op, string? valueJson) => new()
    {
        Field = field,
        Op = op,
        Value = valueJson is null ? null : JsonDocument.Parse(valueJson).RootElement.Clone(),
    };

    private static bool Matches(string field, string op, string? valueJson, JsonObject? lead = null) =>
        Filter.Compile(Config(field, op, valueJson)).Matches(lead ?? Lead());

    private static readonly FieldDefinition AnyField = new() { Name = "x" };

    [Theory]
    [InlineData("state", "\"CA\"", true)]
    [InlineData("state", "\"ca\"", true)]
    [InlineData("state", "\"NV\"", false)]
    [InlineData("age", "34", true)]
    [InlineData("age", "34.0", true)]
    [InlineData("age", "35", false)]
    [InlineData("income", "52000.5", true)]
    [InlineData("income", "52000", false)]
    [InlineData("homeowner", "true", true)]
    [InlineData("homeowner", "false", false)]
    public void Eq_matches_equal_values(string field, string value, bool expected) =>
        Assert.Equal(expected, Matches(field, FilterOps.Eq, value));

    [Theory]
    [InlineData("state", "\"NV\"", true)]
    [InlineData("state", "\"ca\"", false)]
    [InlineData("age", "35", true)]
    [InlineData("age", "34.00", false)]
    [InlineData("homeowner", "false", true)]
    [InlineData("homeowner", "true", false)]
    public void Ne_matches_different_values(string field, string value, bool expected) =>
        Assert.Equal(expected, Matches(field, FilterOps.Ne, value));

    [Theory]
    [InlineData("age_text", "34", true)]       // lead string, filter number: parsed
    [InlineData("age_text", "35", false)]
    [InlineData("age", "\"34\"", true)]        // lead number, filter numeric string
    [InlineData("age", "\"034.0\"", true)]
    [InlineData("zip", "94107", true)]
    [InlineData("state", "0", false)]          // not a number at all
    public void Numbers_and_numeric_strings_compare_numerically(string field, string value, bool expected) =>
        Assert.Equal(expected, Matches(field, FilterOps.Eq, value));

    [Fact]
    public void Two_strings_are_never_compared_as_numbers()
    {
        var lead = new JsonObject { ["zip"] = "02134" };
        Assert.False(Matches("zip", FilterOps.Eq, "\"2134\"", lead));
        Assert.True(Matches("zip", FilterOps.Eq, "\"02134\"", lead));
    }

    [Theory]
    [InlineData("homeowner", "\"true\"", false)]
    [InlineData("homeowner", "1", false)]
    [InlineData("state", "true", false)]
    public void Bools_match_only_bools(string field, string value, bool expected) =>
        Assert.Equal(expected, Matches(field, FilterOps.Eq, value));

    [Theory]
    [InlineData("state", "[\"CA\", \"NV\"]", true)]
    [InlineData("state", "[\"nv\", \"ca\"]", true)]
    [InlineData("state", "[\"NV\", \"OR\"]", false)]
    [InlineData("age", "[30, 34.0]", true)]
    [InlineData("age", "[30, 35]", false)]
    [InlineData("age", "[\"34\"]", true)]
    [InlineData("age_text", "[33, 34]", true)]
    [InlineData("homeowner", "[true]", true)]
    [InlineData("homeowner", "[false]", false)]
    [InlineData("state", "[1, false, \"CA\"]", true)]
    public void In_matches_any_listed_value(string field, string value, bool expected) =>
        Assert.Equal(expected, Matches(field, FilterOps.In, value));

    [Theory]
    [InlineData("state", "[\"NV\", \"OR\"]", true)]
    [InlineData("state", "[\"NV\", \"ca\"]", false)]
    [InlineData("age", "[30, 35]", true)]
    [InlineData("age", "[34]", false)]
    [InlineData("homeowner", "[false]", true)]
    public void Not_in_matches_unlisted_values(string field, string value, bool expected) =>
        Assert.Equal(expected, Matches(field, FilterOps.NotIn, value));

    [Theory]
    [InlineData("age", "[30, 50]", true)]
    [InlineData("age", "[34, 50]", true)]
    [InlineData("age", "[30, 34]", true)]
    [InlineData("age", "[34, 34]", true)]
    [InlineData("age", "[35, 50]", false)]
    [InlineData("age", "[20, 33.99]", false)]
    [InlineData("age_text", "[30, 50]", true)]
    [InlineData("income", "[52000.5, 60000]", true)]
    [InlineData("income", "[52000.51, 60000]", false)]
    [InlineData("dob", "[\"1990-01-01\", \"1990-12-31\"]", true)]
    [InlineData("dob", "[\"1990-05-01\", \"1990-05-01\"]", true)]
    [InlineData("dob", "[\"1990-05-02\", \"1999-12-31\"]", false)]
    [InlineData("state", "[0, 100]", false)]
    [InlineData("age", "[\"1990-01-01\", \"1990-12-31\"]", false)]
    public void Between_is_inclusive(string field, string value, bool expected) =>
        Assert.Equal(expected, Matches(field, FilterOps.Between, value));

    [Theory]
    [InlineData("age", FilterOps.Gt, "33", true)]
    [InlineData("age", FilterOps.Gt, "34", false)]
    [InlineData("age", FilterOps.Gte, "34", true)]
    [InlineData("age", FilterOps.Gte, "34.01", false)]
    [InlineData("age", FilterOps.Lt, "35", true)]
    [InlineData("age", FilterOps.Lt, "34", false)]
    [InlineData("age", FilterOps.Lte, "34", true)]
    [InlineData("age", FilterOps.Lte, "33", false)]
    [InlineData("age_text", FilterOps.Gt, "30", true)]
    [InlineData("age_text", FilterOps.Lt, "30", false)]
    [InlineData("income", FilterOps.Gte, "52000.50", true)]
    [InlineData("dob", FilterOps.Gt, "\"1989-12-31\"", true)]
    [InlineData("dob", FilterOps.Gt, "\"1990-05-01\"", false)]
    [InlineData("dob", FilterOps.Gte, "\"1990-05-01\"", true)]
    [InlineData("dob", FilterOps.Lt, "\"1990-05-01\"", false)]
    [InlineData("dob", FilterOps.Lt, "\"2000-01-01\"", true)]
    [InlineData("dob", FilterOps.Lte, "\"1990-05-01\"", true)]
    [InlineData("dob", FilterOps.Lte, "\"1990-04-30\"", false)]
    [InlineData("state", FilterOps.Gt, "10", false)]
    [InlineData("homeowner", FilterOps.Gte, "0", false)]
    public void Comparisons_order_numbers_numerically_and_strings_ordinally(string field, string op, string value, bool expected) =>
        Assert.Equal(expected, Matches(field, op, value));

    [Theory]
    [InlineData("state", FilterOps.Exists, true)]
    [InlineData("homeowner", FilterOps.Exists, true)]
    [InlineData("missing", FilterOps.Exists, false)]
    [InlineData("nothing", FilterOps.Exists, false)]
    [InlineData("state", FilterOps.NotExists, false)]
    [InlineData("missing", FilterOps.NotExists, true)]
    [InlineData("nothing", FilterOps.NotExists, true)]
    public void Exists_tells_whether_the_field_has_a_value(string field, string op, bool expected) =>
        Assert.Equal(expected, Matches(field, op, null));

    [Theory]
    [InlineData("zip", "\"941\"", true)]
    [InlineData("zip", "\"940\"", false)]
    [InlineData("zip", "[\"900\", \"941\"]", true)]
    [InlineData("zip", "[\"900\", \"902\"]", false)]
    [InlineData("email", "\"ANA.\"", true)]
    [InlineData("age", "\"3\"", false)]
    public void Starts_with_is_case_insensitive_and_accepts_any_of_several_prefixes(string field, string value, bool expected) =>
        Assert.Equal(expected, Matches(field, FilterOps.StartsWith, value));

    [Theory]
    [InlineData("email", "\"@example\\\\.com$\"", true)]
    [InlineData("email", "\"^bob\"", false)]
    [InlineData("zip", "\"^\\\\d{5}$\"", true)]
    [InlineData("zip", "\"^\\\\d{6}$\"", false)]
    [InlineData("homeowner", "\"true\"", false)]
    public void Regex_matches_string_values(string field, string value, bool expected) =>
        Assert.Equal(expected, Matches(field, FilterOps.Regex, value));

    [Fact]
    public void Regex_that_runs_too_long_does_not_match_instead_of_stalling()
    {
        var lead = new JsonObject { ["name"] = new string('a', 40) + "!" };
        var watch = Stopwatch.StartNew();
        Assert.False(Matches("name", FilterOps.Regex, "\"^(a|aa)+$\"", lead));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData(FilterOps.Eq, "\"CA\"", false)]
    [InlineData(FilterOps.Ne, "\"CA\"", true)]
    [InlineData(FilterOps.In, "[\"CA\"]", false)]
    [InlineData(FilterOps.NotIn, "[\"CA\"]", true)]
    [InlineData(FilterOps.Between, "[1, 2]", false)]
    [InlineData(FilterOps.Gt, "1", false)]
    [InlineData(FilterOps.Gte, "1", false)]
    [InlineData(FilterOps.Lt, "1", false)]
    [InlineData(FilterOps.Lte, "1", false)]
    [InlineData(FilterOps.Exists, null, false)]
    [InlineData(FilterOps.NotExists, null, true)]
    [InlineData(FilterOps.StartsWith, "\"C\"", false)]
    [InlineData(FilterOps.Regex, "\".*\"", false)]
    public void Missing_field_matches_only_not_exists_ne_and_not_in(string op, string? value, bool expected)
    {
        Assert.Equal(expected, Matches("missing", op, value));
        Assert.Equal(expected, Matches("nothing", op, value));
    }

    [Fact]
    public void Lead_parsed_from_json_matches_like_built_lead()
    {
        var lead = JsonNode.Parse("""{"state":"CA","age":34,"homeowner":true,"income":52000.50}""")!.AsObject();
        Assert.True(Matches("state", FilterOps.In, "[\"ca\"]", lead));
        Assert.True(Matches("age", FilterOps.Between, "[30, 50]", lead));
        Assert.False(Matches("age", FilterOps.Gt, "34", lead));
        Assert.True(Matches("homeowner", FilterOps.Eq, "true", lead));
        Assert.False(Matches("homeowner", FilterOps.Eq, "\"true\"", lead));
        Assert.True(Matches("income", FilterOps.Eq, "52000.5", lead));
    }

    [Theory]
    [InlineData("state", FilterOps.In, "[\"CA\", \"NV\"]", "state in [CA, NV]")]
    [InlineData("age", FilterOps.Between, "[30, 50]", "age between 30 and 50")]
    [InlineData("homeowner", FilterOps.Eq, "true", "homeowner eq true")]
    [InlineData("age", FilterOps.Gte, "18", "age gte 18")]
    [InlineData("zip", FilterOps.StartsWith, "[\"941\", \"940\"]", "zip starts_with [941, 940]")]
    [InlineData("email", FilterOps.Regex, "\"@example\\\\.com$\"", "email regex @example\\.com$")]
    [InlineData("phone", FilterOps.NotExists, null, "phone not_exists")]
    public void Description_reads_like_the_definition(string field, string op, string? value, string expected) =>
        Assert.Equal(expected, Filter.Compile(Config(field, op, value)).Description);

    [Theory]
    [InlineData(FilterOps.Eq, "\"CA\"")]
    [InlineData(FilterOps.Ne, "false")]
    [InlineData(FilterOps.In, "[\"CA\", 1, true]")]
    [InlineData(FilterOps.NotIn, "[1]")]
    [InlineData(FilterOps.Between, "[30, 50]")]
    [InlineData(FilterOps.Between, "[\"2020-01-01\", \"2020-12-31\"]")]
    [InlineData(FilterOps.Gt, "1.5")]
    [InlineData(FilterOps.Lte, "\"2026-01-01\"")]
    [InlineData(FilterOps.Exists, null)]
    [InlineData(FilterOps.Exists, "null")]
    [InlineData(FilterOps.NotExists, null)]
    [InlineData(FilterOps.StartsWith, "\"94\"")]
    [InlineData(FilterOps.StartsWith, "[\"94\", \"95\"]")]
    [InlineData(FilterOps.Regex, "\"^[0-9]{5}$\"")]
    public void Check_accepts_well_formed_definitions(string op, string? value) =>
        Assert.Empty(Filter.Check(Config("x", op, value), AnyField));

    [Theory]
    [InlineData(FilterOps.Eq, null, "op 'eq' needs a string, number or boolean value")]
    [InlineData(FilterOps.Eq, "[1]", "op 'eq' needs a string, number or boolean value")]
    [InlineData(FilterOps.Ne, "{}", "op 'ne' needs a string, number or boolean value")]
    [InlineData(FilterOps.In, "\"CA\"", "op 'in' needs a non-empty array of strings, numbers or booleans")]
    [InlineData(FilterOps.In, "[]", "op 'in' needs a non-empty array of strings, numbers or booleans")]
    [InlineData(FilterOps.NotIn, "[[1]]", "op 'not_in' needs a non-empty array of strings, numbers or booleans")]
    [InlineData(FilterOps.Between, "[1, 2, 3]", "op 'between' needs an array of exactly 2 numbers or 2 (date) strings: [min, max]")]
    [InlineData(FilterOps.Between, "[1]", "op 'between' needs an array of exactly 2 numbers or 2 (date) strings: [min, max]")]
    [InlineData(FilterOps.Between, "[1, \"2\"]", "op 'between' needs an array of exactly 2 numbers or 2 (date) strings: [min, max]")]
    [InlineData(FilterOps.Between, "[true, false]", "op 'between' needs an array of exactly 2 numbers or 2 (date) strings: [min, max]")]
    [InlineData(FilterOps.Between, "30", "op 'between' needs an array of exactly 2 numbers or 2 (date) strings: [min, max]")]
    [InlineData(FilterOps.Between, "[50, 30]", "op 'between' has min 50 greater than max 30")]
    [InlineData(FilterOps.Between, "[\"2021-01-01\", \"2020-01-01\"]", "op 'between' has min 2021-01-01 greater than max 2020-01-01")]
    [InlineData(FilterOps.Gt, null, "op 'gt' needs a number or a (date) string value")]
    [InlineData(FilterOps.Lt, "true", "op 'lt' needs a number or a (date) string value")]
    [InlineData(FilterOps.Exists, "1", "op 'exists' takes no value")]
    [InlineData(FilterOps.NotExists, "\"x\"", "op 'not_exists' takes no value")]
    [InlineData(FilterOps.StartsWith, "94", "op 'starts_with' needs a string or a non-empty array of strings")]
    [InlineData(FilterOps.StartsWith, "[\"94\", 95]", "op 'starts_with' needs a string or a non-empty array of strings")]
    [InlineData(FilterOps.Regex, "5", "op 'regex' needs a string pattern")]
    public void Check_reports_a_value_of_the_wrong_kind(string op, string? value, string expected) =>
        Assert.Equal([expected], Filter.Check(Config("x", op, value), AnyField));

    [Fact]
    public void Check_reports_a_regex_that_does_not_compile()
    {
        var problem = Assert.Single(Filter.Check(Config("x", FilterOps.Regex, "\"([a-z\""), AnyField));
        Assert.StartsWith("op 'regex' has an invalid pattern", problem);
    }

    [Fact]
    public void Check_reports_an_unknown_op_and_lists_the_valid_ones()
    {
        var problem = Assert.Single(Filter.Check(Config("x", "contains", "\"a\""), AnyField));
        Assert.Equal("unknown op 'contains'; valid ops are eq, ne, in, not_in, between, gt, gte, lt, lte, starts_with, regex, exists, not_exists",
            problem);
    }

    [Fact]
    public void Check_reports_a_field_the_campaign_does_not_define()
    {
        Assert.Equal(["field 'income' is not defined in the campaign"],
            Filter.Check(Config("income", FilterOps.Gt, "1000"), field: null));
    }

    [Fact]
    public void Check_reports_every_problem_of_a_definition()
    {
        Assert.Equal(["filter has no field", "op 'in' needs a non-empty array of strings, numbers or booleans"],
            Filter.Check(Config("", FilterOps.In, "[]"), AnyField));
    }

    [Fact]
    public void Compile_rejects_a_definition_with_problems()
    {
        var e = Assert.Throws<ArgumentException>(() => Filter.Compile(Config("age", FilterOps.Between, "[50, 30]")));
        Assert.Contains("min 50 greater than max 30", e.Message);
    }
}
