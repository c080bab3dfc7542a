using System.Collections.Frozen;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Fluid;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Delivery;

// The buyer seam for one phase of one contract: a pure request builder (URL + FormattedRequest)
// and a pure answer reader (ResponseReader). HttpBuyerTransport does the one HTTP exchange between them.
public sealed record CompiledPhase(UrlTemplate Url, FormattedRequest Request, ResponseReader Response)
{
    // Null when a template fails at run time: that buyer's request fails, not the auction.
    public HttpRequestMessage? Build(FormatValues values, IReadOnlyDictionary<string, string> secrets) =>
        Url.Render(values, secrets) is { } uri ? Request.Build(uri, values, secrets) : null;
}

// The decrypted secrets of one contract: `auth`'s password or token and the named `format.secrets`.
public sealed record ContractSecrets(string? Auth, IReadOnlyDictionary<string, string> Named)
{
    public static readonly ContractSecrets None = new(null, FrozenDictionary<string, string>.Empty);

    // Their protected form is one JSON document; a value from before named secrets existed is the auth secret alone.
    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this);

    public static ContractSecrets FromJson(string text)
    {
        if (text.StartsWith('{'))
        {
            try
            {
                if (System.Text.Json.JsonSerializer.Deserialize<ContractSecrets>(text) is { Named: not null } secrets) return secrets;
            }
            catch (System.Text.Json.JsonException) { }
        }
        return new ContractSecrets(text, FrozenDictionary<string, string>.Empty);
    }

    // Never logged or traced: the generated ToString would print the values.
    public override string ToString() => $"ContractSecrets {{ Auth = {(Auth is null ? "none" : "set")}, Named = [{string.Join(", ", Named.Keys)}] }}";
}

// A contract's buyer format, compiled when the routing snapshot is built: templates parsed, paths
// and regexes compiled, credentials decrypted once rather than per request. A contract without a
// format, or a phase without one, speaks the reference JSON of CONTRACT §2 (ReferenceFormat): the
// same builder and reader, so there is one way a request is made and an answer read.
public sealed class CompiledFormat
{
    // Null for a direct-post contract: it is never pinged.
    public CompiledPhase? Ping { get; }
    public CompiledPhase Post { get; }
    public int MaxAnswerBytes { get; }

    // Never logged or exported; the type has no ToString that could show them.
    private readonly string? _authorization;
    private readonly ContractSecrets _secrets;

    private CompiledFormat(CompiledPhase? ping, CompiledPhase post, int maxAnswerBytes, string? authorization, ContractSecrets secrets)
    {
        Ping = ping;
        Post = post;
        MaxAnswerBytes = maxAnswerBytes;
        _authorization = authorization;
        _secrets = secrets;
    }

    public IReadOnlyDictionary<string, string> Secrets => _secrets.Named;

    // Every secret value as it may appear on the wire: what "try it" blanks out of what it shows.
    public IEnumerable<string> SecretValues() =>
        _secrets.Named.Values.Append(_secrets.Auth).Append(_authorization).OfType<string>().Where(v => v.Length > 0);

    public void Authorize(HttpRequestMessage request)
    {
        if (_authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", _authorization);
    }

    // `campaignMaxBid`: the campaign's ceiling; the lower of it and the contract's own maxBid holds.
    public static CompiledFormat Compile(ContractConfig contract, ContractSecrets? secrets, decimal? campaignMaxBid = null)
    {
        var problems = new List<string>();
        var compiled = Compile(contract, "format", (path, message) => problems.Add($"{path}: {message}"), secrets ?? ContractSecrets.None,
            maxBid: MaxBid(contract.MaxBid, campaignMaxBid));
        if (problems.Count > 0)
            throw new InvalidOperationException("A buyer format the workspace validator should have refused: " + string.Join("; ", problems));
        return compiled;
    }

    // Every problem with its JSON path: the import refuses them, so routing never meets one.
    // `storedSecrets` are the names of secrets already stored for the contract.
    public static void Check(ContractConfig contract, string path, Action<string, string> error)
    {
        var format = contract.Format;
        if (contract.Mode == ContractModes.DirectPost && format?.Ping is not null) error($"{path}.format.ping", "a direct-post contract is never pinged");
        if (contract.MaxAnswerBytes is < 256 or > 16 * 1024 * 1024) error($"{path}.maxAnswerBytes", "must be between 256 and 16777216 bytes");
        var named = format?.Secrets ?? [];
        foreach (var (name, value) in named)
        {
            if (!Regex.IsMatch(name, "^[A-Za-z0-9_]{1,64}$")) error($"{path}.format.secrets", $"'{name}' is not a usable name: letters, digits and _ only");
            if (value is not null && (value.Length == 0 || value.Any(char.IsControl))) error($"{path}.format.secrets.{name}", "must be a non-empty single line");
        }
        // A template naming a secret that is not there would send an empty credential.
        var used = UsedSecrets(contract);
        foreach (var name in used.Where(n => !named.ContainsKey(n)))
            error($"{path}.format.secrets", $"'{name}' is used in a template but not defined here");
        Compile(contract, $"{path}.format", error, ContractSecrets.None, $"{path}.", contract.MaxBid);
        if (format?.Auth is { } auth) CheckAuth(auth, $"{path}.format.auth", error);
    }

    public static decimal? MaxBid(decimal? contract, decimal? campaign) =>
        contract is { } own && campaign is { } all ? Math.Min(own, all) : contract ?? campaign;

    private static CompiledFormat Compile(ContractConfig contract, string path, Action<string, string> error, ContractSecrets secrets,
        string? urlPath = null, decimal? maxBid = null)
    {
        var format = contract.Format;
        var agreed = contract.Mode == ContractModes.PingPost ? contract.Price : null;
        var ping = contract.Mode == ContractModes.DirectPost
            ? null
            : Phase(format?.Ping, ReferenceFormat.Ping, contract.PingUrl, true, $"{path}.ping", $"{urlPath ?? path + "."}pingUrl", error, agreed, maxBid);
        var post = Phase(format?.Post, ReferenceFormat.Post, contract.PostUrl, false, $"{path}.post", $"{urlPath ?? path + "."}postUrl", error, null, null);
        return new CompiledFormat(ping, post, contract.MaxAnswerBytes ?? ContractConfig.DefaultMaxAnswerBytes,
            AuthorizationOf(format?.Auth, secrets.Auth), secrets);
    }

    private static CompiledPhase Phase(PhaseFormat? f, PhaseFormat reference, string? url, bool ping, string path, string urlPath,
        Action<string, string> error, decimal? agreedPrice, decimal? maxBid)
    {
        var phase = f ?? reference;
        return new CompiledPhase(
            UrlTemplate.Compile(url, urlPath, error),
            FormattedRequest.Compile(phase, ping, path, error),
            ResponseReader.Compile(phase.Response ?? reference.Response!, ping, $"{path}.response", error, agreedPrice, maxBid));
    }

    // The secrets that the contract's URLs, headers and templates name (`secrets.x`).
    private static HashSet<string> UsedSecrets(ContractConfig contract)
    {
        IEnumerable<string?> texts = [contract.PingUrl, contract.PostUrl];
        foreach (var phase in new[] { contract.Format?.Ping, contract.Format?.Post })
        {
            if (phase is not null) texts = texts.Append(phase.Template).Concat(phase.Headers.Values);
        }
        return texts.OfType<string>().SelectMany(t => Regex.Matches(t, @"secrets\.([A-Za-z0-9_]+)").Select(m => m.Groups[1].Value)).ToHashSet();
    }

    // Messages name the missing secret, never a value.
    private static void CheckAuth(BuyerAuth auth, string path, Action<string, string> error)
    {
        switch (auth.Type)
        {
            case AuthTypes.Basic:
                if (string.IsNullOrEmpty(auth.Username) || auth.Username.Contains(':') || auth.Username.Any(char.IsControl))
                    error($"{path}.username", "is required, without ':' or control characters");
                if (auth.Password is null && !auth.PasswordSet) error($"{path}.password", "is required: no password is stored for this contract");
                if (auth.Password?.Any(char.IsControl) == true) error($"{path}.password", "must not contain control characters");
                if (auth.Token is not null) error($"{path}.token", "is for bearer auth");
                break;
            case AuthTypes.Bearer:
                if (auth.Token is null && !auth.TokenSet) error($"{path}.token", "is required: no token is stored for this contract");
                if (auth.Token is not null && (auth.Token.Length == 0 || auth.Token.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
                    error($"{path}.token", "must be non-empty, without spaces or control characters");
                if (auth.Username is not null || auth.Password is not null) error($"{path}.username", "is for basic auth");
                break;
            default:
                error($"{path}.type", "must be basic or bearer");
                break;
        }
    }

    private static string? AuthorizationOf(BuyerAuth? auth, string? secret)
    {
        if (auth is null || secret is null) return null;
        return auth.Type == AuthTypes.Bearer
            ? "Bearer " + secret
            : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{auth.Username}:{secret}"));
    }
}

// A contract's ping or post URL. It may be a template (`https://buyer/leads/{{ captured.lead_token }}/post`):
// every value is URL-escaped into it, and a URL that does not come out absolute http(s) fails that request.
public sealed class UrlTemplate
{
    private readonly Uri? _fixed;
    private readonly IFluidTemplate? _template;

    private UrlTemplate(Uri? fixedUri, IFluidTemplate? template)
    {
        _fixed = fixedUri;
        _template = template;
    }

    public static UrlTemplate Compile(string? url, string path, Action<string, string> error)
    {
        if (url is null) return new UrlTemplate(null, null);
        if (!FormattedRequest.IsTemplate(url)) return new UrlTemplate(Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : null, null);
        var template = FormattedRequest.ParseTemplate(url, path, error);
        // Where the template puts a value decides nothing about where the request goes: the origin is fixed text.
        var origin = url.Split("{{")[0].Split("{%")[0];
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var start) || start.Scheme is not ("http" or "https") || start.AbsolutePath.Length < 1
            || origin.Length <= start.GetLeftPart(UriPartial.Authority).Length)
            error(path, "a template may only fill in the path or query: write the scheme and host as plain text, then '/'");
        return new UrlTemplate(null, template);
    }

    public Uri? Render(FormatValues values, IReadOnlyDictionary<string, string> secrets)
    {
        if (_template is null) return _fixed;
        var text = FormattedRequest.Render(_template, FormattedRequest.NewContext(values, secrets), UrlEncoder.Default);
        return text is not null && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;
    }
}

// CONTRACT §2's reference JSON, written as a format like any buyer's: fields under "lead", the
// exchange's ids beside them; a ping answer's `bid` (0 or `"decision": "pass"` is a pass), a post
// answer's `accepted`, `buyerLeadId` and `reason`.
public static class ReferenceFormat
{
    public static readonly PhaseFormat Ping = new()
    {
        FieldsUnder = "lead",
        Meta = new() { ["ping_id"] = "pingId", ["campaign"] = "campaign" },
        Response = new ResponseRules
        {
            Kind = ResponseKinds.Json, Bid = "$.bid", SharedBid = "$.sharedBid", Accepted = "$.decision", AcceptedMatches = "^(?i)(?!pass$)", Reason = "$.reason",
        },
    };

    public static readonly PhaseFormat Post = new()
    {
        FieldsUnder = "lead",
        Meta = new() { ["ping_id"] = "pingId", ["lead_id"] = "leadId", ["price"] = "price" },
        Response = new ResponseRules
        {
            Kind = ResponseKinds.Json, Accepted = "$.accepted", BuyerLeadId = "$.buyerLeadId", Reason = "$.reason",
        },
    };
}
