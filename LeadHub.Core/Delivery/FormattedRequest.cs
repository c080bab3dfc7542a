using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml;
using Fluid;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Delivery;

// What one ping or post carries, whatever the format.
public sealed record FormatValues(string PingId, string Campaign, Guid? LeadId, decimal? Price, JsonObject Fields)
{
    public static FormatValues Of(PingRequest r) => new(r.PingId, r.Campaign, null, null, r.Fields);

    public static FormatValues Of(PostRequest r, string campaign) => new(r.PingId, campaign, r.LeadId, r.Price, r.Fields);
}

// The request half of a phase format, compiled once: the hot path only fills in values.
public sealed partial class FormattedRequest
{
    // Thread-safe and reusable; parsing happens only when a workspace is validated or loaded.
    private static readonly FluidParser Liquid = new();

    private static readonly TemplateOptions LiquidOptions = new()
    {
        CultureInfo = CultureInfo.InvariantCulture,
        TimeZone = TimeZoneInfo.Utc,
        // A template loops over a handful of fields; a runaway loop must not hold up an auction.
        MaxSteps = 10_000,
    };

    private static readonly Dictionary<string, string> MediaTypes = new()
    {
        [ContentTypes.Json] = "application/json",
        [ContentTypes.Form] = "application/x-www-form-urlencoded",
        [ContentTypes.Xml] = "application/xml",
    };

    // Set by LeadHub itself, or (Authorization) only through `auth` so the secret is stored encrypted.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
        { "Authorization", "Host", "Content-Length", "Transfer-Encoding", "Connection" };

    private static readonly string[] MetaNames = ["ping_id", "lead_id", "price", "campaign"];

    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")]
    private static partial Regex HeaderName();

    private HttpMethod _method = HttpMethod.Post;
    private string _contentType = ContentTypes.Json;
    private string _mediaType = "application/json";
    private string _xmlRoot = "lead";
    private IFluidTemplate? _template;
    private TextEncoder _encoder = NullEncoder.Default;
    private Dictionary<string, string> _rename = [];
    private Dictionary<string, Dictionary<string, JsonNode?>> _valueMaps = [];
    private List<(string Name, JsonNode? Value)> _static = [];
    private List<(string Meta, string Name)> _meta = [];
    private List<(string Name, string Value)> _headers = [];

    private FormattedRequest() { }

    public static FormattedRequest Compile(PhaseFormat f, bool ping, string path, Action<string, string> error)
    {
        var r = new FormattedRequest();
        var method = f.Method.ToUpperInvariant() switch
        {
            "POST" => HttpMethod.Post,
            "PUT" => HttpMethod.Put,
            "GET" => HttpMethod.Get,
            _ => null,
        };
        if (method is null) error($"{path}.method", "must be POST, PUT or GET");
        r._method = method ?? HttpMethod.Post;

        r._contentType = f.ContentType ?? (r._method == HttpMethod.Get ? ContentTypes.Form : ContentTypes.Json);
        if (!MediaTypes.TryGetValue(r._contentType, out var mediaType)) error($"{path}.contentType", "must be json, form or xml");
        else if (r._method == HttpMethod.Get && r._contentType != ContentTypes.Form)
            error($"{path}.contentType", "GET sends the fields in the query string: use form or leave it out");
        r._mediaType = mediaType ?? "application/json";
        var xml = r._contentType == ContentTypes.Xml;
        r._xmlRoot = f.XmlRoot;
        if (xml && !IsXmlName(f.XmlRoot)) error($"{path}.xmlRoot", "is not a valid XML element name");

        if (f.Template is not null)
        {
            if (Liquid.TryParse(f.Template, out var template, out var problem)) r._template = template;
            else error($"{path}.template", "Liquid: " + problem.Split('\n')[0].Trim());
            // Values are escaped for where they land; `| raw` opts out, e.g. for `| json | raw`.
            r._encoder = r._contentType switch
            {
                ContentTypes.Form => UrlEncoder.Default,
                ContentTypes.Xml => HtmlEncoder.Default,
                _ => JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            };
        }
        // Element names only matter when LeadHub writes the XML itself.
        var checkXmlNames = xml && f.Template is null;

        foreach (var (from, to) in f.Rename)
        {
            if (string.IsNullOrWhiteSpace(to)) error($"{path}.rename.{from}", "must be a non-empty name");
            else if (checkXmlNames && !IsXmlName(to)) error($"{path}.rename.{from}", "is not a valid XML element name");
        }
        r._rename = f.Rename.Where(p => p.Value is not null).ToDictionary();

        foreach (var (field, map) in f.ValueMaps)
        {
            if (map is null)
            {
                error($"{path}.valueMaps.{field}", "must be an object of value → replacement");
                continue;
            }
            foreach (var (from, to) in map)
            {
                if (!IsScalar(to)) error($"{path}.valueMaps.{field}.{from}", "must be a string, number, boolean or null");
            }
            r._valueMaps[field] = map.ToDictionary(p => p.Key, p => Node(p.Value));
        }

        foreach (var (name, value) in f.Static)
        {
            if (string.IsNullOrWhiteSpace(name)) error($"{path}.static", "names must not be empty");
            else if (checkXmlNames && !IsXmlName(name)) error($"{path}.static.{name}", "is not a valid XML element name");
            if (!IsScalar(value)) error($"{path}.static.{name}", "must be a string, number, boolean or null");
        }
        r._static = f.Static.Select(p => (p.Key, Node(p.Value))).ToList();

        foreach (var (meta, name) in f.Meta)
        {
            if (!MetaNames.Contains(meta)) error($"{path}.meta.{meta}", $"unknown; one of: {string.Join(", ", MetaNames)}");
            else if (ping && meta is "lead_id" or "price") error($"{path}.meta.{meta}", "is not known when pinging");
            if (string.IsNullOrWhiteSpace(name)) error($"{path}.meta.{meta}", "must be a non-empty name");
            else if (checkXmlNames && !IsXmlName(name)) error($"{path}.meta.{meta}", "is not a valid XML element name");
        }
        r._meta = f.Meta.Where(p => p.Value is not null).Select(p => (p.Key, p.Value)).ToList();

        foreach (var (name, value) in f.Headers)
        {
            if (!HeaderName().IsMatch(name)) error($"{path}.headers", $"'{name}' is not a valid header name");
            else if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                error($"{path}.headers.{name}", "use format.auth: credentials are stored encrypted, headers are not");
            else if (ReservedHeaders.Contains(name)) error($"{path}.headers.{name}", "is set by LeadHub");
            else if (value is null || value.Any(char.IsControl)) error($"{path}.headers.{name}", "must be a single-line text");
            else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                if (MediaTypeHeaderValue.TryParse(value, out _)) r._mediaType = value;
                else error($"{path}.headers.{name}", "is not a valid media type");
            }
            else r._headers.Add((name, value));
        }
        return r;
    }

    // Null when the template fails at run time (its step limit): that buyer's request fails, not the auction.
    public HttpRequestMessage? Build(Uri uri, FormatValues values)
    {
        var body = _template is null ? Serialize(Flatten(values)) : Render(values);
        if (body is null) return null;
        HttpRequestMessage request;
        if (_method == HttpMethod.Get)
        {
            var separator = uri.Query.Length > 1 ? "&" : uri.Query.Length == 1 ? "" : "?";
            request = new HttpRequestMessage(HttpMethod.Get, new Uri(uri.AbsoluteUri + separator + body));
        }
        else
        {
            request = new HttpRequestMessage(_method, uri) { Content = new StringContent(body, Encoding.UTF8) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(_mediaType);
        }
        foreach (var (name, value) in _headers) request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    // The lead's fields under their LeadHub names with the value maps applied: what templates see as `lead`.
    private JsonObject Mapped(JsonObject fields)
    {
        var lead = new JsonObject();
        foreach (var (name, value) in fields) lead[name] = Map(name, value);
        return lead;
    }

    private JsonNode? Map(string field, JsonNode? value) =>
        _valueMaps.TryGetValue(field, out var map) && map.TryGetValue(Text(value), out var to) ? to?.DeepClone() : value?.DeepClone();

    private JsonObject Flatten(FormatValues values)
    {
        var body = new JsonObject();
        foreach (var (name, value) in values.Fields) body[_rename.GetValueOrDefault(name, name)] = Map(name, value);
        foreach (var (meta, name) in _meta)
        {
            var value = Meta(meta, values);
            if (value is not null) body[name] = value;
        }
        foreach (var (name, value) in _static) body[name] = value?.DeepClone();
        return body;
    }

    private static JsonNode? Meta(string meta, FormatValues values) => meta switch
    {
        "ping_id" => values.PingId,
        "campaign" => values.Campaign,
        "lead_id" => values.LeadId?.ToString(),
        "price" => values.Price,
        _ => null,
    };

    private string? Render(FormatValues values)
    {
        var context = new TemplateContext(LiquidOptions);
        context.SetValue("lead", Mapped(values.Fields));
        context.SetValue("ping_id", values.PingId);
        context.SetValue("campaign", values.Campaign);
        if (values.LeadId is { } leadId) context.SetValue("lead_id", leadId.ToString());
        if (values.Price is { } price) context.SetValue("price", price);
        var statics = new JsonObject();
        foreach (var (name, value) in _static) statics[name] = value?.DeepClone();
        context.SetValue("static", statics);
        try
        {
            return _template!.Render(context, _encoder);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private string Serialize(JsonObject body)
    {
        switch (_contentType)
        {
            case ContentTypes.Form:
                return string.Join("&", body.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(Text(p.Value))));
            case ContentTypes.Xml:
                var text = new StringBuilder();
                // No declaration: written to a string it would claim UTF-16, and the body is sent as UTF-8.
                using (var w = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true }))
                {
                    w.WriteStartElement(_xmlRoot);
                    foreach (var (name, value) in body) w.WriteElementString(XmlConvert.EncodeLocalName(name), Text(value));
                    w.WriteEndElement();
                }
                return text.ToString();
            default:
                return body.ToJsonString();
        }
    }

    // A value as text for form, XML and value-map keys: strings bare, everything else as JSON, null empty.
    internal static string Text(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(),
    };

    private static JsonNode? Node(JsonElement e) => JsonNode.Parse(e.GetRawText());

    private static bool IsScalar(JsonElement e) => e.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Undefined);

    private static bool IsXmlName(string name)
    {
        try
        {
            XmlConvert.VerifyName(name);
            return true;
        }
        catch (XmlException)
        {
            return false;
        }
    }
}
