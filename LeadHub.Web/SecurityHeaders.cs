using System.Security.Cryptography;

namespace LeadHub.Web;

// Headers that make the browser distrust what it is not told: no content sniffing on any
// response, and on portal pages a content security policy that runs only LeadHub's own scripts.
public static class SecurityHeaders
{
    private const string NonceKey = "LeadHub.CspNonce";

    // The nonce of this request's inline scripts (Blazor's import map is one); App.razor puts it on them.
    // Made when first asked for, by the page or by the policy, whichever comes first: a publisher's
    // request, which renders no page, draws no random bytes and allocates no Items dictionary.
    public static string Nonce(HttpContext http)
    {
        if (http.Items.TryGetValue(NonceKey, out var kept) && kept is string nonce) return nonce;
        // Hex: valid in a CSP nonce and never HTML-encoded in the attribute ('+' of base64 would be).
        nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        http.Items[NonceKey] = nonce;
        return nonce;
    }

    // Blazor Server needs its own scripts, the circuit's websocket ('self' covers it), and inline
    // styles (MudBlazor and Blazor set style attributes); nothing from another origin.
    public static string PortalPolicy(string nonce) =>
        $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        // When the response starts: the exception handler clears headers set before it runs.
        http.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var response = http.Response;
            response.Headers.XContentTypeOptions = "nosniff";
            // The Scalar and Hangfire dashboards ship inline scripts of their own and keep their defaults.
            var thirdParty = http.Request.Path.StartsWithSegments("/scalar") || http.Request.Path.StartsWithSegments("/hangfire");
            if (!thirdParty && response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
                response.Headers.ContentSecurityPolicy = PortalPolicy(Nonce(http));
            return Task.CompletedTask;
        }, http);
        return next(http);
    });
}
