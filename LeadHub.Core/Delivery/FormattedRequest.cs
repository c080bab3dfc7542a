using System.Collections.Frozen;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml;
using Fluid;
using Fluid.Values;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Delivery;

// What one ping or post carries, whatever the format. `Captured` are the values a contract's
// rules kept from its ping answer (README "Buyer formats"), for the post.
public sealed record FormatValues(string PingId, string Campaign, Guid? LeadId, decimal? Price, JsonObject Fields,
    IReadOnlyDictionary<string, string>? Captured = null)
{
    public static FormatValues Of(PingRequest r) => new(r.PingId, r.Campaign, null, null, r.Fields);

    public static FormatValues Of(PostRequest r, string campaign) => new(r.PingId, campaign, r.LeadId, r.Price, r.Fields, r.Captured);
}

// The request half of a phase format, compiled once: the hot path only fills in values.
public sealed partial class FormattedRequest
{
    // Thread-safe and reusable; parsing happens only when a workspace is validated or loaded.
    internal static readonly FluidParser Liquid = new();

    internal static readonly TemplateOptions LiquidOptions = NewLiquidOptions();

    private static TemplateOptions NewLiquidOptions()
    {
        var options = new TemplateOptions
        {
            CultureInfo = CultureInfo.InvariantCulture,
            TimeZone = TimeZoneInfo.Utc,
            // A template loops over a handful of fields; a runaway loop must not hold up an auction.
            MaxSteps = 10_000,
        };
        // `base64` reads better in an Authorization header than Liquid's `base64_encode`; both work.
        options.Filters.AddFilter("base64", (input, _, _) =>
            new ValueTask<FluidValue>(new StringValue(Convert.ToBase64String(Encoding.UTF8.GetBytes(input.ToStringValue())))));
        return options;
    }

    private static readonly Dictionary<string, string> MediaTypes = new()
    {
        [ContentTypes.Json] = "application/json",
        [ContentTypes.Form] = "application/x-www-form-urlencoded",
        [ContentTypes.Xml] = "application/xml",
    };

    // Set by LeadHub itself. Authorization is allowed only as a template over `secrets`, so no
    // credential is ever kept in clear in the configuration.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
        { "Host", "Content-Length", "Transfer-Encoding", "Connection" };

    private static readonly string[] MetaNames = ["ping_id", "lead_id", "price", "campaign"];
    public const string CapturedPrefix = "captured.";

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
    // A text value may be a template, e.g. `"Key": "{{ secrets.api_key }}"` for buyers that want their key in the body.
    private List<(string Name, JsonNode? Value, IFluidTemplate? Template)> _static = [];
    private List<(string Meta, string Name)> _meta = [];
    private List<(string Name, string Value, IFluidTemplate? Template)> _headers = [];
    private FrozenSet<string>? _fields;
    private string? _fieldsUnder;

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

        if (f.Fields is { } only)
        {
            if (only.Any(string.IsNullOrWhiteSpace)) error($"{path}.fields", "names must not be empty");
            r._fields = only.ToFrozenSet();
        }
        if (f.FieldsUnder is { } under)
        {
            if (string.IsNullOrWhiteSpace(under)) error($"{path}.fieldsUnder", "must be a non-empty name");
            else if (f.Template is not null) error($"{path}.fieldsUnder", "a template writes the whole body: put the fields where it says");
            else if (r._contentType == ContentTypes.Form) error($"{path}.fieldsUnder", "form and query strings are flat: use json or xml");
            else if (checkXmlNames && !IsXmlName(under)) error($"{path}.fieldsUnder", "is not a valid XML element name");
            r._fieldsUnder = under;
        }

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
        r._static = f.Static.Select(p => (p.Key, Node(p.Value),
            p.Value.ValueKind == JsonValueKind.String && IsTemplate(p.Value.GetString())
                ? ParseTemplate(p.Value.GetString()!, $"{path}.static.{p.Key}", error) : null)).ToList();

        foreach (var (meta, name) in f.Meta)
        {
            var captured = meta.StartsWith(CapturedPrefix, StringComparison.Ordinal);
            if (captured && meta.Length == CapturedPrefix.Length) error($"{path}.meta.{meta}", "names no captured value: captured.<name>");
            else if (!captured && !MetaNames.Contains(meta))
                error($"{path}.meta.{meta}", $"unknown; one of: {string.Join(", ", MetaNames)}, captured.<name>");
            else if (ping && (captured || meta is "lead_id" or "price")) error($"{path}.meta.{meta}", "is not known when pinging");
            if (string.IsNullOrWhiteSpace(name)) error($"{path}.meta.{meta}", "must be a non-empty name");
            else if (checkXmlNames && !IsXmlName(name)) error($"{path}.meta.{meta}", "is not a valid XML element name");
        }
        r._meta = f.Meta.Where(p => p.Value is not null).Select(p => (p.Key, p.Value)).ToList();

        foreach (var (name, value) in f.Headers)
        {
            var template = IsTemplate(value) ? ParseTemplate(value, $"{path}.headers.{name}", error) : null;
            if (!HeaderName().IsMatch(name)) error($"{path}.headers", $"'{name}' is not a valid header name");
            else if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) && !UsesSecrets(value))
                error($"{path}.headers.{name}", "must take its credentials from format.secrets, e.g. \"Basic {{ secrets.key }}\" (or use format.auth): secrets are stored encrypted, headers are not");
            else if (ReservedHeaders.Contains(name)) error($"{path}.headers.{name}", "is set by LeadHub");
            else if (value is null || value.Any(char.IsControl)) error($"{path}.headers.{name}", "must be a single-line text");
            else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                if (template is null && MediaTypeHeaderValue.TryParse(value, out _)) r._mediaType = value;
                else error($"{path}.headers.{name}", "is not a valid media type");
            }
            else r._headers.Add((name, value, template));
        }
        return r;
    }

    internal static bool IsTemplate(string? text) => text is not null && (text.Contains("{{") || text.Contains("{%"));

    internal static bool UsesSecrets(string? text) => text is not null && IsTemplate(text) && text.Contains("secrets.");

    internal static IFluidTemplate? ParseTemplate(string text, string path, Action<string, string> error)
    {
        if (Liquid.TryParse(text, out var template, out var problem)) return template;
        error(path, "Liquid: " + problem.Split('\n')[0].Trim());
        return null;
    }

    // What every template of a phase sees: the lead (value maps applied), the exchange's own
    // values, the static fields, the values captured from the ping answer and the contract's secrets.
    private TemplateContext Context(FormatValues values, IReadOnlyDictionary<string, string>? secrets)
    {
        var context = NewContext(values, secrets);
        context.SetValue("lead", Mapped(values.Fields));
        var statics = new JsonObject();
        foreach (var (name, value, _) in _static) statics[name] = value?.DeepClone();
        context.SetValue("static", statics);
        return context;
    }

    internal static TemplateContext NewContext(FormatValues values, IReadOnlyDictionary<string, string>? secrets)
    {
        var context = new TemplateContext(LiquidOptions);
        context.SetValue("ping_id", values.PingId);
        context.SetValue("campaign", values.Campaign);
        if (values.LeadId is { } leadId) context.SetValue("lead_id", leadId.ToString());
        if (values.Price is { } price) context.SetValue("price", price);
        context.SetValue("captured", Object(values.Captured));
        context.SetValue("secrets", Object(secrets));
        return context;
    }

    private static JsonObject Object(IReadOnlyDictionary<string, string>? values)
    {
        var o = new JsonObject();
        foreach (var (name, value) in values ?? FrozenDictionary<string, string>.Empty) o[name] = value;
        return o;
    }

    // Null when a template fails at run time (its step limit) or renders an impossible header: that
    // buyer's request fails, not the auction.
    public HttpRequestMessage? Build(Uri uri, FormatValues values, IReadOnlyDictionary<string, string>? secrets = null)
    {
        TemplateContext? context = null;
        TemplateContext Ctx() => context ??= Context(values, secrets);
        var flat = _template is null ? Flatten(values, Ctx) : null;
        if (_template is null && flat is null) return null;
        HttpRequestMessage request;
        if (flat is not null && _contentType == ContentTypes.Json && _method != HttpMethod.Get)
        {
            // Straight to UTF-8: no string of the body, no second copy of it.
            request = new HttpRequestMessage(_method, uri) { Content = new ByteArrayContent(JsonBytes(flat)) };
        }
        else
        {
            var body = flat is not null ? Serialize(flat) : Render(_template!, Ctx(), _encoder);
            if (body is null) return null;
            if (_method == HttpMethod.Get)
            {
                var separator = uri.Query.Length > 1 ? "&" : uri.Query.Length == 1 ? "" : "?";
                request = new HttpRequestMessage(HttpMethod.Get, new Uri(uri.AbsoluteUri + separator + body));
            }
            else request = new HttpRequestMessage(_method, uri) { Content = new StringContent(body, Encoding.UTF8) };
        }
        if (request.Content is not null)
        {
            // As text, checked when the format was compiled: parsed again for every ping it cost more than sending it.
            request.Content.Headers.ContentType = null;
            request.Content.Headers.TryAddWithoutValidation("Content-Type", _mediaType);
        }
        foreach (var (name, value, template) in _headers)
        {
            var text = template is null ? value : Render(template, Ctx(), NullEncoder.Default);
            if (text is null || text.Any(char.IsControl))
            {
                request.Dispose();
                return null;
            }
            request.Headers.TryAddWithoutValidation(name, text);
        }
        return request;
    }

    // The lead's fields under their LeadHub names with the value maps applied: what templates see as `lead`.
    private JsonObject Mapped(JsonObject fields)
    {
        var lead = new JsonObject();
        foreach (var (name, value) in fields) lead[name] = Map(name, value);
        return lead;
    }

    private JsonNode? Map(string field, JsonNode? value) => MapShared(field, value)?.DeepClone();

    // The node itself (the lead's, or the value map's), for writing only: a body is written once per
    // buyer, and copying every value into a new tree for each was a third of building a ping.
    private JsonNode? MapShared(string field, JsonNode? value) =>
        _valueMaps.TryGetValue(field, out var map) && map.TryGetValue(Text(value), out var to) ? to : value;

    // A body's members in order; a member set again keeps its place and takes the new value, as a
    // JsonObject's indexer does. A value is a JsonNode (or null) or a nested Members.
    private sealed class Members(int capacity) : List<(string Name, object? Value)>(capacity)
    {
        public void Set(string name, object? value)
        {
            for (var i = 0; i < Count; i++)
            {
                if (!string.Equals(this[i].Name, name, StringComparison.Ordinal)) continue;
                this[i] = (name, value);
                return;
            }
            Add((name, value));
        }
    }

    // Null when a static template fails at run time: the request fails rather than send an empty credential.
    private Members? Flatten(FormatValues values, Func<TemplateContext> context)
    {
        // Sized once: growing the list member by member was a fortieth of the bytes a lead allocated.
        var body = new Members(values.Fields.Count + _meta.Count + _static.Count + 1);
        var fields = body;
        if (_fieldsUnder is not null) body.Set(_fieldsUnder, fields = new Members(values.Fields.Count));
        foreach (var (name, value) in values.Fields)
        {
            if (_fields is null || _fields.Contains(name)) fields.Set(_rename.GetValueOrDefault(name, name), MapShared(name, value));
        }
        foreach (var (meta, name) in _meta)
        {
            var value = Meta(meta, values);
            if (value is not null) body.Set(name, value);
        }
        foreach (var (name, value, template) in _static)
        {
            if (template is null) body.Set(name, value);
            else if (Render(template, context(), NullEncoder.Default) is { } text) body.Set(name, JsonValue.Create(text));
            else return null;
        }
        return body;
    }

    // Kept per thread (writing is synchronous, and the body is copied out exactly): a new 1 KB buffer
    // and writer for every buyer request were a tenth of the bytes a lead allocated.
    [ThreadStatic] private static System.Buffers.ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    private static byte[] JsonBytes(Members body)
    {
        var buffer = t_buffer ??= new System.Buffers.ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        WriteJson(writer, body);
        writer.Flush();
        var bytes = buffer.WrittenSpan.ToArray();
        // A rare large body does not keep its buffer alive on the thread.
        if (buffer.Capacity > 16 * 1024) (t_buffer, t_writer) = (null, null);
        return bytes;
    }

    private static void WriteJson(Utf8JsonWriter writer, Members members)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in members)
        {
            writer.WritePropertyName(name);
            switch (value)
            {
                case Members nested: WriteJson(writer, nested); break;
                case JsonNode node: node.WriteTo(writer); break;
                default: writer.WriteNullValue(); break;
            }
        }
        writer.WriteEndObject();
    }

    private static JsonNode? Meta(string meta, FormatValues values) => meta switch
    {
        "ping_id" => values.PingId,
        "campaign" => values.Campaign,
        "lead_id" => values.LeadId?.ToString(),
        "price" => values.Price,
        _ when meta.StartsWith(CapturedPrefix, StringComparison.Ordinal)
            => values.Captured?.GetValueOrDefault(meta[CapturedPrefix.Length..]),
        _ => null,
    };

    internal static string? Render(IFluidTemplate template, TemplateContext context, TextEncoder encoder)
    {
        try
        {
            return template.Render(context, encoder);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private string Serialize(Members body)
    {
        switch (_contentType)
        {
            case ContentTypes.Form:
                // Form bodies are flat (no fieldsUnder), so every value is a node.
                return string.Join("&", body.Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(Text(p.Value as JsonNode))));
            case ContentTypes.Xml:
                var text = new StringBuilder();
                // No declaration: written to a string it would claim UTF-16, and the body is sent as UTF-8.
                using (var w = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true }))
                {
                    w.WriteStartElement(_xmlRoot);
                    WriteXml(w, body);
                    w.WriteEndElement();
                }
                return text.ToString();
            default:
                return Encoding.UTF8.GetString(JsonBytes(body));
        }
    }

    // Lead fields, value maps and static values are scalars (the workspace validator sees to it), so
    // the only nesting is fieldsUnder's.
    private static void WriteXml(XmlWriter w, Members elements)
    {
        foreach (var (name, value) in elements)
        {
            if (value is Members nested)
            {
                w.WriteStartElement(XmlConvert.EncodeLocalName(name));
                WriteXml(w, nested);
                w.WriteEndElement();
            }
            else w.WriteElementString(XmlConvert.EncodeLocalName(name), Text(value as JsonNode));
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
