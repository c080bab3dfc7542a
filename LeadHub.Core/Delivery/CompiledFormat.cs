using System.Text;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Delivery;

// A phase left unconfigured (null) speaks the reference JSON; so does a null Response.
public sealed record CompiledPhase(FormattedRequest Request, ResponseReader? Response);

// A contract's buyer format, compiled when the routing snapshot is built: templates parsed, paths
// and regexes compiled, credentials decrypted into their header once rather than per request.
public sealed class CompiledFormat
{
    public CompiledPhase? Ping { get; }
    public CompiledPhase? Post { get; }

    // Never logged or exported; the type has no ToString that could show it.
    private readonly string? _authorization;

    private CompiledFormat(CompiledPhase? ping, CompiledPhase? post, string? authorization)
    {
        Ping = ping;
        Post = post;
        _authorization = authorization;
    }

    public void Authorize(HttpRequestMessage request)
    {
        if (_authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", _authorization);
    }

    // `secret` is the decrypted password or token, or null when none could be read.
    public static CompiledFormat Compile(BuyerFormat format, string? secret)
    {
        var problems = new List<string>();
        var compiled = Compile(format, "format", (path, message) => problems.Add($"{path}: {message}"));
        if (problems.Count > 0)
            throw new InvalidOperationException("A buyer format the workspace validator should have refused: " + string.Join("; ", problems));
        return new CompiledFormat(compiled.Ping, compiled.Post, AuthorizationOf(format.Auth, secret));
    }

    // Every problem with its JSON path: the import refuses them, so routing never meets one.
    public static void Check(BuyerFormat format, string mode, string path, Action<string, string> error)
    {
        if (mode == ContractModes.DirectPost && format.Ping is not null) error($"{path}.ping", "a direct-post contract is never pinged");
        Compile(format, path, error);
        if (format.Auth is { } auth) CheckAuth(auth, $"{path}.auth", error);
    }

    private static CompiledFormat Compile(BuyerFormat format, string path, Action<string, string> error) =>
        new(Phase(format.Ping, true, $"{path}.ping", error), Phase(format.Post, false, $"{path}.post", error), null);

    private static CompiledPhase? Phase(PhaseFormat? f, bool ping, string path, Action<string, string> error) =>
        f is null
            ? null
            : new CompiledPhase(FormattedRequest.Compile(f, ping, path, error),
                f.Response is null ? null : ResponseReader.Compile(f.Response, ping, $"{path}.response", error));

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
