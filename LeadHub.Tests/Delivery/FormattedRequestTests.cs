using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using LeadHub.Core.Delivery;
using LeadHub.Core.Workspace;

namespace LeadHub.Tests.Delivery;

// Request building per content type, method, template and mapping, without a network.
public sealed class FormattedRequestTests
{
    private static readonly Uri Url = new("http://buyer.example/ping");
    private static readonly Guid LeadId = Guid.Parse("7d5d1c43-8f5e-4a7b-9a0e-2f1c9b7e3a10");

    private static JsonObject Fields() => new()
    {
        ["zip"] = "94107", ["state"] = "CA", ["age"] = 34, ["homeowner"] = true, ["first_name"] = "Ana \"A\" & <b>",
    };

    private static FormatValues Ping() => new("ping-1", "auto", null, null, Fields());

    private static FormatValues Post() => new("ping-1", "auto", LeadId, 12.50m, Fields());

    private static JsonElement E(object value) => JsonSerializer.SerializeToElement(value);

    internal static FormattedRequest Compile(PhaseFormat format, bool ping = false)
    {
        var errors = new List<string>();
        var request = FormattedRequest.Compile(format, ping, "$.format", (path, message) => errors.Add($"{path}: {message}"));
        Assert.Empty(errors);
        return request;
    }

    private static ContractConfig Contract(BuyerFormat format) =>
        new() { Key = "c", PingUrl = "http://buyer.example/ping", PostUrl = "http://buyer.example/post", Format = format };

    private static ContractSecrets Secret(string auth) => new(auth, new Dictionary<string, string>());

    private static async Task<string> BodyAsync(HttpRequestMessage request) => await request.Content!.ReadAsStringAsync();

    [Fact]
    public async Task Json_body_names_set_twice_keep_their_first_place_and_take_the_last_value_byte_for_byte()
    {
        // A rename onto another field's name, a meta and a static field over a lead field: the last writer
        // wins in the first one's place, as a JsonObject would have it; text is escaped as System.Text.Json does.
        var format = new PhaseFormat
        {
            Rename = new() { ["zip"] = "state" },
            Meta = new() { ["ping_id"] = "age" },
            Static = new() { ["homeowner"] = E("n/a"), ["note"] = JsonSerializer.SerializeToElement<string?>(null) },
        };
        var values = new FormatValues("ping-1", "auto", null, null, new JsonObject
        {
            ["zip"] = "94107", ["state"] = "CA", ["age"] = 34, ["homeowner"] = true, ["first_name"] = "Ana \"A\" & <b> é",
        });

        using var request = Compile(format).Build(Url, values)!;

        Assert.Equal(
            """{"state":"CA","age":"ping-1","homeowner":"n/a","first_name":"Ana \u0022A\u0022 \u0026 \u003Cb\u003E \u00E9","note":null}""",
            await BodyAsync(request));
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.ToString());
    }

    [Fact]
    public async Task Json_body_under_a_parent_keeps_the_parent_first_even_when_a_static_field_replaces_it()
    {
        var format = new PhaseFormat { FieldsUnder = "lead", Static = new() { ["vendor"] = E("x") } };
        var values = new FormatValues("ping-1", "auto", null, null, new JsonObject { ["zip"] = "94107", ["age"] = 34 });

        using var nested = Compile(format).Build(Url, values)!;
        Assert.Equal("""{"lead":{"zip":"94107","age":34},"vendor":"x"}""", await BodyAsync(nested));

        using var replaced = Compile(format with { Static = new() { ["lead"] = E(1), ["vendor"] = E("x") } }).Build(Url, values)!;
        Assert.Equal("""{"lead":1,"vendor":"x"}""", await BodyAsync(replaced));
    }

    [Fact]
    public async Task Json_body_renames_maps_and_adds_meta_and_static_fields()
    {
        var format = new PhaseFormat
        {
            Rename = new() { ["zip"] = "ZipCode" },
            ValueMaps = new()
            {
                ["homeowner"] = new() { ["true"] = E("Y"), ["false"] = E("N") },
                ["state"] = new() { ["CA"] = E("California") },
            },
            Meta = new() { ["ping_id"] = "PingID", ["lead_id"] = "LeadID", ["price"] = "Price" },
            Static = new() { ["vendor"] = E("leadhub"), ["version"] = E(2) },
        };

        using var request = Compile(format).Build(Url, Post())!;

        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        var body = JsonNode.Parse(await BodyAsync(request))!.AsObject();
        Assert.Equal("94107", (string?)body["ZipCode"]);
        Assert.False(body.ContainsKey("zip"));
        Assert.Equal("Y", (string?)body["homeowner"]);
        Assert.Equal("California", (string?)body["state"]);
        Assert.Equal(34, (int)body["age"]!);
        Assert.Equal("ping-1", (string?)body["PingID"]);
        Assert.Equal(LeadId.ToString(), (string?)body["LeadID"]);
        Assert.Equal(12.50m, (decimal)body["Price"]!);
        Assert.Equal("leadhub", (string?)body["vendor"]);
        Assert.Equal(2, (int)body["version"]!);
    }

    [Fact]
    public async Task Form_body_is_url_encoded_with_text_values()
    {
        using var request = Compile(new PhaseFormat { ContentType = ContentTypes.Form, Method = "put" }).Build(Url, Ping())!;

        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal("application/x-www-form-urlencoded", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal("zip=94107&state=CA&age=34&homeowner=true&first_name=Ana%20%22A%22%20%26%20%3Cb%3E", await BodyAsync(request));
    }

    [Fact]
    public async Task Xml_body_has_one_element_per_field_under_the_configured_root()
    {
        var format = new PhaseFormat
        {
            ContentType = ContentTypes.Xml, XmlRoot = "applicant",
            Rename = new() { ["zip"] = "PostalCode" }, Static = new() { ["source"] = E("lh") },
        };

        using var request = Compile(format).Build(Url, Ping())!;

        Assert.Equal("application/xml", request.Content!.Headers.ContentType!.MediaType);
        var raw = await BodyAsync(request);
        Assert.StartsWith("<applicant>", raw);
        var xml = XElement.Parse(raw);
        Assert.Equal("94107", xml.Element("PostalCode")!.Value);
        Assert.Equal("true", xml.Element("homeowner")!.Value);
        Assert.Equal("Ana \"A\" & <b>", xml.Element("first_name")!.Value);
        Assert.Equal("lh", xml.Element("source")!.Value);
    }

    [Fact]
    public void Get_puts_the_fields_in_the_query_string_after_any_already_there()
    {
        var format = new PhaseFormat { Method = "GET", Rename = new() { ["zip"] = "z" } };

        using var request = Compile(format, ping: true).Build(new Uri("http://buyer.example/ping?src=lh"), Ping())!;

        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Null(request.Content);
        Assert.Equal("?src=lh&z=94107&state=CA&age=34&homeowner=true&first_name=Ana%20%22A%22%20%26%20%3Cb%3E", request.RequestUri!.Query);
    }

    [Fact]
    public async Task Json_template_sees_lead_ids_price_campaign_and_static_values_and_escapes_strings()
    {
        var format = new PhaseFormat
        {
            Template = """
                {"zip":"{{ lead.zip }}","name":"{{ lead.first_name }}","owner":"{{ lead.homeowner }}",
                 "ping":"{{ ping_id }}","lead":"{{ lead_id }}","price":{{ price | format_number: "0.00" }},
                 "campaign":"{{ campaign }}","vendor":"{{ static.vendor }}","all":{{ lead | json | raw }}}
                """,
            ValueMaps = new() { ["homeowner"] = new() { ["true"] = E("Y") } },
            Static = new() { ["vendor"] = E("lh-7") },
        };

        using var request = Compile(format).Build(Url, Post())!;

        var raw = await BodyAsync(request);
        Assert.Contains("\"price\":12.50", raw);
        var body = JsonNode.Parse(raw)!.AsObject();
        Assert.Equal("94107", (string?)body["zip"]);
        Assert.Equal("Ana \"A\" & <b>", (string?)body["name"]);
        Assert.Equal("Y", (string?)body["owner"]);
        Assert.Equal("ping-1", (string?)body["ping"]);
        Assert.Equal(LeadId.ToString(), (string?)body["lead"]);
        Assert.Equal("auto", (string?)body["campaign"]);
        Assert.Equal("lh-7", (string?)body["vendor"]);
        Assert.Equal(34, (int)body["all"]!["age"]!);
    }

    [Fact]
    public async Task Xml_template_escapes_values_for_xml()
    {
        var format = new PhaseFormat
        {
            ContentType = ContentTypes.Xml,
            Template = "<Lead><Name>{{ lead.first_name }}</Name><Zip>{{ lead.zip }}</Zip><Price>{{ price }}</Price></Lead>",
        };

        using var request = Compile(format).Build(Url, Post())!;

        var xml = XElement.Parse(await BodyAsync(request));
        Assert.Equal("Ana \"A\" & <b>", xml.Element("Name")!.Value);
        Assert.Equal("94107", xml.Element("Zip")!.Value);
        Assert.Equal(12.5m, decimal.Parse(xml.Element("Price")!.Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Form_template_escapes_values_for_urls()
    {
        var format = new PhaseFormat { Method = "GET", Template = "name={{ lead.first_name }}&zip={{ lead.zip }}" };

        using var request = Compile(format, ping: true).Build(Url, Ping())!;

        Assert.Equal("?name=Ana%20%22A%22%20%26%20%3Cb%3E&zip=94107", request.RequestUri!.Query);
    }

    [Fact]
    public void Custom_headers_are_sent_and_content_type_can_be_overridden()
    {
        var format = new PhaseFormat
        {
            ContentType = ContentTypes.Xml,
            Headers = new() { ["X-Vendor-Id"] = "lh-1", ["Content-Type"] = "text/xml; charset=utf-8" },
        };

        using var request = Compile(format).Build(Url, Ping())!;

        Assert.Equal("lh-1", request.Headers.GetValues("X-Vendor-Id").Single());
        Assert.Equal("text/xml", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", request.Content.Headers.ContentType.CharSet);
    }

    [Fact]
    public void A_template_that_runs_away_fails_that_request_only()
    {
        var format = new PhaseFormat { Template = "{% for i in (1..100000) %}x{% endfor %}" };

        Assert.Null(Compile(format).Build(Url, Ping()));
    }

    [Fact]
    public void A_static_template_that_runs_away_fails_that_request_rather_than_send_an_empty_value()
    {
        var format = new PhaseFormat { Static = new() { ["Key"] = E("{% for i in (1..100000) %}x{% endfor %}") } };

        Assert.Null(Compile(format).Build(Url, Ping()));
    }

    [Fact]
    public async Task A_static_template_fills_in_a_secret()
    {
        var format = new PhaseFormat { Static = new() { ["Key"] = E("{{ secrets.api_key }}") } };

        using var request = Compile(format).Build(Url, Ping(), new Dictionary<string, string> { ["api_key"] = "sk-1" })!;

        Assert.Equal("sk-1", (string?)JsonNode.Parse(await BodyAsync(request))!["Key"]);
    }

    [Fact]
    public void Basic_auth_header_is_built_from_the_decrypted_password()
    {
        var format = CompiledFormat.Compile(Contract(new BuyerFormat { Auth = new BuyerAuth { Type = AuthTypes.Basic, Username = "acme" } }), Secret("s3cret:x"));
        using var request = new HttpRequestMessage(HttpMethod.Post, Url);

        format.Authorize(request);

        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("acme:s3cret:x")), request.Headers.GetValues("Authorization").Single());
    }

    [Fact]
    public void Bearer_auth_header_carries_the_token()
    {
        var format = CompiledFormat.Compile(Contract(new BuyerFormat { Auth = new BuyerAuth { Type = AuthTypes.Bearer } }), Secret("tok-123"));
        using var request = new HttpRequestMessage(HttpMethod.Post, Url);

        format.Authorize(request);

        Assert.Equal("Bearer tok-123", request.Headers.GetValues("Authorization").Single());
    }

    [Fact]
    public void Auth_without_a_readable_secret_sends_no_header()
    {
        var format = CompiledFormat.Compile(Contract(new BuyerFormat { Auth = new BuyerAuth { Type = AuthTypes.Basic, Username = "acme" } }), null);
        using var request = new HttpRequestMessage(HttpMethod.Post, Url);

        format.Authorize(request);

        Assert.False(request.Headers.Contains("Authorization"));
    }

    [Fact]
    public void Auth_records_never_print_their_secrets()
    {
        var auth = new BuyerAuth { Type = AuthTypes.Basic, Username = "acme", Password = "hunter2-secret", Token = "tok-secret" };

        Assert.DoesNotContain("secret", auth.ToString());
        Assert.DoesNotContain("secret", new ContractConfig { Format = new BuyerFormat { Auth = auth } }.ToString());
    }
}
