using System.Text.Json;
using System.Text.Json.Nodes;
using LeadHub.Core.Validation;
using LeadHub.Core.Workspace;

namespace LeadHub.Tests.Validation;

public class LeadValidatorTests
{
    // The campaign of CONTRACT §4 plus the consent field the CONTRACT §1 example lead carries.
    private static readonly List<FieldDefinition> Campaign =
    [
        new() { Name = "first_name", Type = FieldTypes.String, Required = true, Pii = true },
        new() { Name = "last_name", Type = FieldTypes.String, Pii = true },
        new() { Name = "phone", Type = FieldTypes.Phone, Required = true, Pii = true },
        new() { Name = "email", Type = FieldTypes.Email, Required = true, Pii = true },
        new() { Name = "zip", Type = FieldTypes.Zip, Required = true },
        new() { Name = "state", Type = FieldTypes.State, Required = true },
        new() { Name = "age", Type = FieldTypes.Integer, Min = 18, Max = 120 },
        new() { Name = "homeowner", Type = FieldTypes.Boolean },
        new() { Name = "tcpa_consent", Type = FieldTypes.Boolean, Required = true, Values = [Json(true)] },
    ];

    private static JsonObject ContractLead() => new()
    {
        ["first_name"] = "Ana", ["last_name"] = "Ruiz",
        ["email"] = "ana.ruiz@example.com", ["phone"] = "+1 415 555 0134",
        ["zip"] = "94107", ["state"] = "CA", ["age"] = 34, ["homeowner"] = true,
        ["tcpa_consent"] = true,
    };

    private static JsonElement Json<T>(T value) => JsonSerializer.SerializeToElement(value);

    private static LeadValidationResult Validate(JsonObject lead, ValidationMode mode = ValidationMode.Full) =>
        LeadValidator.Validate(Campaign, Json(lead), mode);

    private static LeadValidationResult ValidateWith(string field, JsonNode? value)
    {
        var lead = ContractLead();
        lead[field] = value;
        return Validate(lead);
    }

    // Validates one value against a single definition, for the per-type rules.
    private static LeadValidationResult One(FieldDefinition def, JsonNode? value) =>
        LeadValidator.Validate([def], Json(new JsonObject { [def.Name] = value }));

    private static string SingleError(LeadValidationResult result, string field)
    {
        Assert.False(result.IsValid);
        Assert.Equal([field], result.Errors.Keys);
        return Assert.Single(result.Errors[field]);
    }

    private static readonly FieldDefinition Text = new() { Name = "f", Type = FieldTypes.String };
    private static readonly FieldDefinition Integer = new() { Name = "f", Type = FieldTypes.Integer };
    private static readonly FieldDefinition Price = new() { Name = "f", Type = FieldTypes.Decimal, Min = 0.5m, Max = 99.99m };
    private static readonly FieldDefinition Flag = new() { Name = "f", Type = FieldTypes.Boolean };
    private static readonly FieldDefinition Email = new() { Name = "f", Type = FieldTypes.Email };
    private static readonly FieldDefinition Phone = new() { Name = "f", Type = FieldTypes.Phone };
    private static readonly FieldDefinition Zip = new() { Name = "f", Type = FieldTypes.Zip };
    private static readonly FieldDefinition State = new() { Name = "f", Type = FieldTypes.State };
    private static readonly FieldDefinition Date = new() { Name = "f", Type = FieldTypes.Date };
    private static readonly FieldDefinition Vehicle = new()
        { Name = "f", Type = FieldTypes.Enum, Values = [Json("new"), Json("used")] };

    [Fact]
    public void Contract_example_lead_is_valid_and_normalised()
    {
        var result = Validate(ContractLead());

        Assert.True(result.IsValid);
        Assert.Empty(result.Errors);
        var f = result.Fields;
        Assert.Equal("Ana", (string?)f["first_name"]);
        Assert.Equal("Ruiz", (string?)f["last_name"]);
        Assert.Equal("+14155550134", (string?)f["phone"]);
        Assert.Equal("ana.ruiz@example.com", (string?)f["email"]);
        Assert.Equal("94107", (string?)f["zip"]);
        Assert.Equal("CA", (string?)f["state"]);
        Assert.Equal(34L, (long)f["age"]!);
        Assert.True((bool)f["homeowner"]!);
        Assert.True((bool)f["tcpa_consent"]!);
        Assert.Equal(9, f.Count);
        Assert.Equal("+14155550134", result.PhoneKey);
        Assert.Equal("ana.ruiz@example.com", result.EmailKey);
    }

    [Fact]
    public void Normalised_lead_has_canonical_json_kinds()
    {
        var expected = JsonNode.Parse(
            """{"first_name":"Ana","last_name":"Ruiz","phone":"+14155550134","email":"ana.ruiz@example.com","zip":"94107","state":"CA","age":34,"homeowner":true,"tcpa_consent":true}""");

        var lead = ContractLead();
        lead["age"] = "34";
        lead["homeowner"] = "yes";
        lead["state"] = "california";
        lead["phone"] = "(415) 555-0134";
        var actual = Validate(lead).Fields;

        Assert.True(JsonNode.DeepEquals(expected, actual), actual.ToJsonString());
    }

    [Fact]
    public void Missing_required_field_is_an_error()
    {
        var lead = ContractLead();
        lead.Remove("phone");

        var result = Validate(lead);

        Assert.Equal("is required", SingleError(result, "phone"));
        Assert.False(result.Fields.ContainsKey("phone"));
        Assert.Null(result.PhoneKey);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Null_or_blank_required_field_is_an_error(string? value)
    {
        Assert.Equal("is required", SingleError(ValidateWith("first_name", value), "first_name"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    public void Missing_optional_field_is_absent_from_output(string? value)
    {
        var result = ValidateWith("last_name", value);

        Assert.True(result.IsValid);
        Assert.False(result.Fields.ContainsKey("last_name"));
    }

    [Fact]
    public void Every_invalid_field_is_reported()
    {
        var lead = ContractLead();
        lead.Remove("zip");
        lead["state"] = "XX";
        lead["age"] = 12;

        var result = Validate(lead);

        Assert.Equal(3, result.Errors.Count);
        Assert.Equal(["is required"], result.Errors["zip"]);
        Assert.Equal(["is not a valid US state"], result.Errors["state"]);
        Assert.Equal(["must be at least 18"], result.Errors["age"]);
        Assert.False(result.Fields.ContainsKey("state"));
    }

    [Fact]
    public void Unknown_fields_are_dropped()
    {
        var lead = ContractLead();
        lead["favourite_colour"] = "blue";
        lead["nested"] = new JsonObject { ["x"] = 1 };

        var result = Validate(lead);

        Assert.True(result.IsValid);
        Assert.False(result.Fields.ContainsKey("favourite_colour"));
        Assert.False(result.Fields.ContainsKey("nested"));
        Assert.Equal(9, result.Fields.Count);
    }

    [Fact]
    public void Ping_mode_skips_pii_fields()
    {
        var ping = new JsonObject
        {
            ["zip"] = "94107", ["state"] = "california", ["age"] = "34", ["homeowner"] = true,
            ["tcpa_consent"] = true, ["phone"] = "+1 415 555 0134", ["first_name"] = "Ana",
        };

        var result = Validate(ping, ValidationMode.PingOnly);

        Assert.True(result.IsValid);
        Assert.Equal(["zip", "state", "age", "homeowner", "tcpa_consent"], result.Fields.Select(p => p.Key));
        Assert.Equal("CA", (string?)result.Fields["state"]);
        Assert.Equal(34L, (long)result.Fields["age"]!);
        Assert.Null(result.PhoneKey);
        Assert.Null(result.EmailKey);
    }

    [Fact]
    public void Ping_mode_still_requires_non_pii_fields()
    {
        var result = Validate(new JsonObject { ["state"] = "CA", ["tcpa_consent"] = true }, ValidationMode.PingOnly);

        Assert.Equal("is required", SingleError(result, "zip"));
    }

    [Fact]
    public void Full_mode_requires_pii_fields_a_ping_omits()
    {
        var result = Validate(new JsonObject { ["zip"] = "94107", ["state"] = "CA", ["tcpa_consent"] = true });

        Assert.Equal(["email", "first_name", "phone"], result.Errors.Keys.Order());
        Assert.All(result.Errors.Values, messages => Assert.Equal(["is required"], messages));
    }

    // --- string ---

    [Fact]
    public void String_is_trimmed()
    {
        Assert.Equal("Ana Ruiz", (string?)One(Text, "  Ana Ruiz \t").Fields["f"]);
    }

    [Fact]
    public void Number_or_boolean_given_for_string_becomes_text()
    {
        Assert.Equal("12345", (string?)One(Text, 12345).Fields["f"]);
        Assert.Equal("true", (string?)One(Text, true).Fields["f"]);
    }

    [Fact]
    public void String_length_limits_apply()
    {
        var name = Text with { Min = 2, Max = 5 };

        Assert.Equal("must be at least 2 characters", SingleError(One(name, "A"), "f"));
        Assert.Equal("must be at most 5 characters", SingleError(One(name, "Anabel"), "f"));
        Assert.Equal("Anabe", (string?)One(name, "Anabe").Fields["f"]);
    }

    [Fact]
    public void String_over_1000_characters_is_rejected_even_without_max()
    {
        Assert.Equal("must be at most 1000 characters", SingleError(One(Text, new string('x', 1001)), "f"));
        Assert.Equal(1000, ((string?)One(Text, new string('x', 1000)).Fields["f"])!.Length);
        Assert.Equal("must be at most 1000 characters", SingleError(One(Text with { Max = 5000 }, new string('x', 1001)), "f"));
    }

    [Fact]
    public void Object_for_string_is_rejected()
    {
        Assert.Equal("must be a string", SingleError(One(Text, new JsonArray(1, 2)), "f"));
    }

    // --- integer ---

    [Fact]
    public void Integer_given_as_string_is_accepted()
    {
        var result = ValidateWith("age", " 34 ");

        Assert.True(result.IsValid);
        Assert.Equal(JsonValueKind.Number, result.Fields["age"]!.GetValueKind());
        Assert.Equal(34L, (long)result.Fields["age"]!);
    }

    [Fact]
    public void Integral_number_with_zero_fraction_is_accepted()
    {
        Assert.Equal(34L, (long)One(Integer, JsonNode.Parse("34.0")).Fields["f"]!);
    }

    [Fact]
    public void Age_below_min_is_rejected()
    {
        Assert.Equal("must be at least 18", SingleError(ValidateWith("age", 17), "age"));
    }

    [Fact]
    public void Age_above_max_is_rejected()
    {
        Assert.Equal("must be at most 120", SingleError(ValidateWith("age", "121"), "age"));
    }

    [Theory]
    [InlineData(18)]
    [InlineData(120)]
    public void Age_at_range_bounds_is_accepted(int age)
    {
        Assert.Equal(age, (long)ValidateWith("age", age).Fields["age"]!);
    }

    [Theory]
    [InlineData("\"34.5\"")]
    [InlineData("34.5")]
    [InlineData("\"thirty\"")]
    [InlineData("true")]
    [InlineData("{\"v\":34}")]
    [InlineData("[34]")]
    [InlineData("1e30")]
    public void Non_integer_is_rejected(string json)
    {
        Assert.Equal("must be an integer", SingleError(One(Integer, JsonNode.Parse(json)), "f"));
    }

    // --- decimal ---

    [Theory]
    [InlineData("12.5", 12.5)]
    [InlineData("\"12.50\"", 12.5)]
    [InlineData("\" 0.5 \"", 0.5)]
    [InlineData("99.99", 99.99)]
    public void Decimal_accepts_numbers_and_numeric_strings(string json, double expected)
    {
        var result = One(Price, JsonNode.Parse(json));

        Assert.Equal(JsonValueKind.Number, result.Fields["f"]!.GetValueKind());
        Assert.Equal((decimal)expected, (decimal)result.Fields["f"]!);
    }

    [Fact]
    public void Decimal_outside_range_is_rejected()
    {
        Assert.Equal("must be at least 0.5", SingleError(One(Price, 0.49m), "f"));
        Assert.Equal("must be at most 99.99", SingleError(One(Price, "100"), "f"));
    }

    [Theory]
    [InlineData("\"1,5\"")]
    [InlineData("\"twelve\"")]
    [InlineData("false")]
    [InlineData("[1.5]")]
    public void Non_numeric_decimal_is_rejected(string json)
    {
        Assert.Equal("must be a decimal", SingleError(One(Price, JsonNode.Parse(json)), "f"));
    }

    // --- boolean ---

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("\"True\"", true)]
    [InlineData("\"FALSE\"", false)]
    [InlineData("\"yes\"", true)]
    [InlineData("\"No\"", false)]
    [InlineData("\"1\"", true)]
    [InlineData("\"0\"", false)]
    [InlineData("1", true)]
    [InlineData("0", false)]
    public void Boolean_accepts_common_spellings(string json, bool expected)
    {
        var result = One(Flag, JsonNode.Parse(json));

        Assert.Equal(expected ? JsonValueKind.True : JsonValueKind.False, result.Fields["f"]!.GetValueKind());
        Assert.Equal(expected, (bool)result.Fields["f"]!);
    }

    [Theory]
    [InlineData("\"maybe\"")]
    [InlineData("2")]
    [InlineData("{}")]
    public void Non_boolean_is_rejected(string json)
    {
        Assert.Equal("must be a boolean", SingleError(One(Flag, JsonNode.Parse(json)), "f"));
    }

    [Theory]
    [InlineData("false")]
    [InlineData("\"no\"")]
    [InlineData("0")]
    public void Consent_must_be_true(string json)
    {
        var result = ValidateWith("tcpa_consent", JsonNode.Parse(json));

        Assert.Equal("must be true", SingleError(result, "tcpa_consent"));
        Assert.False(result.Fields.ContainsKey("tcpa_consent"));
    }

    [Fact]
    public void Missing_consent_is_required()
    {
        var lead = ContractLead();
        lead.Remove("tcpa_consent");

        Assert.Equal("is required", SingleError(Validate(lead), "tcpa_consent"));
    }

    [Fact]
    public void Consent_given_as_yes_is_accepted()
    {
        Assert.True((bool)ValidateWith("tcpa_consent", "yes").Fields["tcpa_consent"]!);
    }

    // --- email ---

    [Fact]
    public void Email_is_trimmed_and_lower_cased()
    {
        var result = ValidateWith("email", "  Ana.Ruiz+Leads@Example.COM ");

        Assert.Equal("ana.ruiz+leads@example.com", (string?)result.Fields["email"]);
        Assert.Equal("ana.ruiz+leads@example.com", result.EmailKey);
    }

    [Theory]
    [InlineData("ana")]
    [InlineData("ana@")]
    [InlineData("@example.com")]
    [InlineData("ana@example")]
    [InlineData("ana ruiz@example.com")]
    [InlineData("ana@exa mple.com")]
    [InlineData("ana@@example.com")]
    [InlineData("ana@b@example.com")]
    [InlineData("ana..ruiz@example.com")]
    [InlineData(".ana@example.com")]
    [InlineData("ana@-example.com")]
    [InlineData("ana@example..com")]
    [InlineData("ana@example.c")]
    [InlineData("ana@example.com\nx")]
    public void Invalid_email_is_rejected(string email)
    {
        var result = One(Email, email);

        Assert.Equal("is not a valid email address", SingleError(result, "f"));
        Assert.Null(result.EmailKey);
    }

    [Fact]
    public void Overlong_email_is_rejected()
    {
        var longLocal = new string('a', 65) + "@example.com";
        var longTotal = "ana@" + string.Join('.', Enumerable.Repeat(new string('d', 60), 5)) + ".com";

        Assert.Equal("is not a valid email address", SingleError(One(Email, longLocal), "f"));
        Assert.Equal("is not a valid email address", SingleError(One(Email, longTotal), "f"));
        Assert.True(One(Email, new string('a', 64) + "@example.com").IsValid);
    }

    [Fact]
    public void Non_string_email_is_rejected()
    {
        Assert.Equal("is not a valid email address", SingleError(One(Email, 42), "f"));
    }

    // --- phone ---

    [Theory]
    [InlineData("\"+1 415 555 0134\"")]
    [InlineData("\"(415) 555-0134\"")]
    [InlineData("\"415.555.0134\"")]
    [InlineData("\"4155550134\"")]
    [InlineData("\"1-415-555-0134\"")]
    [InlineData("\"+14155550134\"")]
    [InlineData("4155550134")]
    [InlineData("14155550134")]
    public void Phone_is_normalised_to_E164(string json)
    {
        var result = One(Phone, JsonNode.Parse(json));

        Assert.Equal("+14155550134", (string?)result.Fields["f"]);
        Assert.Equal("+14155550134", result.PhoneKey);
    }

    [Fact]
    public void International_phone_is_kept_in_its_own_country_code()
    {
        Assert.Equal("+442079460958", (string?)One(Phone, "+44 20 7946 0958").Fields["f"]);
    }

    [Theory]
    [InlineData("\"123\"")]
    [InlineData("\"not a phone\"")]
    [InlineData("\"555-0134\"")]
    [InlineData("\"+1 111 555 0134\"")]
    [InlineData("\"415 055 0134\"")]
    [InlineData("\"415555013456789\"")]
    [InlineData("true")]
    [InlineData("[\"4155550134\"]")]
    public void Invalid_phone_is_rejected(string json)
    {
        var result = One(Phone, JsonNode.Parse(json));

        Assert.Equal("is not a valid phone number", SingleError(result, "f"));
        Assert.Null(result.PhoneKey);
    }

    [Fact]
    public void Dedupe_keys_come_from_the_first_phone_and_email_fields()
    {
        List<FieldDefinition> defs =
        [
            new() { Name = "work_email", Type = FieldTypes.Email },
            new() { Name = "phone", Type = FieldTypes.Phone },
            new() { Name = "email", Type = FieldTypes.Email },
            new() { Name = "alt_phone", Type = FieldTypes.Phone },
        ];
        var input = Json(new JsonObject
        {
            ["phone"] = "415-555-0134", ["alt_phone"] = "212-555-0199",
            ["work_email"] = "Ana@Work.example", ["email"] = "ana@home.example",
        });

        var result = LeadValidator.Validate(defs, input);

        Assert.Equal("+14155550134", result.PhoneKey);
        Assert.Equal("ana@work.example", result.EmailKey);
        Assert.Equal("+12125550199", (string?)result.Fields["alt_phone"]);
    }

    // --- zip ---

    [Theory]
    [InlineData("\"94107\"", "94107")]
    [InlineData("\" 02134 \"", "02134")]
    [InlineData("\"94107-1234\"", "94107-1234")]
    [InlineData("\"941071234\"", "94107-1234")]
    [InlineData("94107", "94107")]
    [InlineData("2134", "02134")]
    [InlineData("501", "00501")]
    public void Zip_is_normalised(string json, string expected)
    {
        Assert.Equal(expected, (string?)One(Zip, JsonNode.Parse(json)).Fields["f"]);
    }

    [Theory]
    [InlineData("\"9410\"")]
    [InlineData("\"2134\"")]
    [InlineData("\"00000\"")]
    [InlineData("\"00000-1234\"")]
    [InlineData("\"ABCDE\"")]
    [InlineData("\"94107-12\"")]
    [InlineData("\"94107 1234\"")]
    [InlineData("\"941070\"")]
    [InlineData("0")]
    [InlineData("123456")]
    [InlineData("94107.5")]
    [InlineData("true")]
    public void Invalid_zip_is_rejected(string json)
    {
        Assert.Equal("is not a valid US ZIP code", SingleError(One(Zip, JsonNode.Parse(json)), "f"));
    }

    // --- state ---

    [Theory]
    [InlineData("California", "CA")]
    [InlineData("new york", "NY")]
    [InlineData("District of Columbia", "DC")]
    [InlineData("Puerto Rico", "PR")]
    [InlineData("  WYOMING ", "WY")]
    public void State_name_becomes_code(string input, string expected)
    {
        Assert.Equal(expected, (string?)One(State, input).Fields["f"]);
    }

    [Theory]
    [InlineData("ca", "CA")]
    [InlineData("Tx", "TX")]
    [InlineData("gu", "GU")]
    [InlineData("MP", "MP")]
    public void State_code_is_upper_cased(string input, string expected)
    {
        Assert.Equal(expected, (string?)One(State, input).Fields["f"]);
    }

    [Theory]
    [InlineData("\"XX\"")]
    [InlineData("\"Californa\"")]
    [InlineData("\"C\"")]
    [InlineData("\"ON\"")]
    [InlineData("6")]
    public void Invalid_state_is_rejected(string json)
    {
        Assert.Equal("is not a valid US state", SingleError(One(State, JsonNode.Parse(json)), "f"));
    }

    // --- date ---

    [Theory]
    [InlineData("1990-07-04", "1990-07-04")]
    [InlineData("2024-02-29", "2024-02-29")]
    [InlineData("07/04/1990", "1990-07-04")]
    [InlineData("7/4/1990", "1990-07-04")]
    public void Date_is_normalised_to_iso(string input, string expected)
    {
        Assert.Equal(expected, (string?)One(Date, input).Fields["f"]);
    }

    [Theory]
    [InlineData("\"2023-02-29\"")]
    [InlineData("\"1990-13-01\"")]
    [InlineData("\"04/31/1990\"")]
    [InlineData("\"31/12/1990\"")]
    [InlineData("\"1990/07/04\"")]
    [InlineData("\"yesterday\"")]
    [InlineData("19900704")]
    public void Invalid_date_is_rejected(string json)
    {
        Assert.Equal("is not a valid date", SingleError(One(Date, JsonNode.Parse(json)), "f"));
    }

    // --- enum ---

    [Theory]
    [InlineData("used", "used")]
    [InlineData("USED", "used")]
    [InlineData(" New ", "new")]
    public void Enum_value_becomes_canonical(string input, string expected)
    {
        Assert.Equal(expected, (string?)One(Vehicle, input).Fields["f"]);
    }

    [Theory]
    [InlineData("\"leased\"")]
    [InlineData("\"ne\"")]
    [InlineData("1")]
    [InlineData("[\"new\"]")]
    public void Value_outside_enum_is_rejected(string json)
    {
        Assert.Equal("must be one of: new, used", SingleError(One(Vehicle, JsonNode.Parse(json)), "f"));
    }

    [Fact]
    public void Numeric_enum_value_matches_its_text()
    {
        var doors = new FieldDefinition { Name = "f", Type = FieldTypes.Enum, Values = [Json("2"), Json("4")] };

        Assert.Equal("4", (string?)One(doors, 4).Fields["f"]);
        Assert.Equal("must be one of: 2, 4", SingleError(One(doors, 3), "f"));
    }
}
