using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;

namespace LeadHub.Core.Delivery;

// What came back from one request to a buyer: an answer to read, or why there is none.
public abstract record ExchangeResult
{
    public sealed record Answered(int Status, string Body) : ExchangeResult;
    public sealed record Failed(string Reason) : ExchangeResult;
    public sealed record TimedOut : ExchangeResult;
}

// The one HTTP exchange with a buyer, for every contract and both phases. A buyer's answer is
// bounded: the caller's token is the deadline of the whole exchange (connect, headers, body,
// decompression); the body is cut off at `maxBytes` after decompression, while reading; redirects
// are never followed (a post re-sent to an origin nobody configured would hand it the lead's
// personal data); a body that is not valid text in its declared charset is an error, not a guess.
public static class BuyerExchange
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // `http`: an HttpClient, or the buyers' handler behind a bare HttpMessageInvoker, which answers at
    // the headers as this needs and spares each call the HttpClient's linked cancellation source.
    public static async Task<ExchangeResult> SendAsync(HttpMessageInvoker http, HttpRequestMessage request, int maxBytes, CancellationToken ct)
    {
        // As text: parsing the same value into header objects for every ping cost more than sending it.
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip, deflate, br");
        try
        {
            // An HttpClient's own SendAsync(request, ct) would buffer the whole answer before the bound below.
            using var response = http is HttpClient client
                ? await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct)
                : await http.SendAsync(request, ct);
            var status = (int)response.StatusCode;
            if (status is >= 300 and <= 399)
                return new ExchangeResult.Failed($"HTTP {status} redirect to {Target(response.Headers.Location, request.RequestUri)} not followed");
            if (response.Content.Headers.ContentLength > maxBytes && response.Content.Headers.ContentEncoding.Count == 0)
                return TooLong(maxBytes);

            await using var raw = await response.Content.ReadAsStreamAsync(ct);
            await using var body = Decoded(raw, response.Content.Headers.ContentEncoding, out var encodingProblem);
            if (body is null) return new ExchangeResult.Failed(encodingProblem!);
            var bytes = await Validation.BoundedRead.ReadAtMostAsync(body, maxBytes, ct);
            if (bytes is null) return TooLong(maxBytes);
            return Text(bytes, response.Content.Headers.ContentType) is { } text
                ? new ExchangeResult.Answered(status, text)
                : new ExchangeResult.Failed($"answer is not valid {CharsetOf(response.Content.Headers.ContentType)}");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new ExchangeResult.TimedOut();
        }
        catch (HttpRequestException e)
        {
            return new ExchangeResult.Failed("connection failed: " + e.HttpRequestError);
        }
        catch (InvalidDataException)
        {
            return new ExchangeResult.Failed("answer could not be decompressed");
        }
        catch (IOException)
        {
            return new ExchangeResult.Failed("connection failed while reading the answer");
        }
    }

    private static ExchangeResult TooLong(int maxBytes) => new ExchangeResult.Failed($"answer longer than {maxBytes} bytes");

    private static Stream? Decoded(Stream raw, ICollection<string> encodings, out string? problem)
    {
        problem = null;
        if (encodings.Count == 0) return raw;
        var codings = encodings.Where(e => !e.Equals("identity", StringComparison.OrdinalIgnoreCase)).ToList();
        if (codings.Count == 0) return raw;
        if (codings.Count > 1)
        {
            problem = "answer has several content encodings";
            return null;
        }
        switch (codings[0].ToLowerInvariant())
        {
            case "gzip": return new GZipStream(raw, CompressionMode.Decompress);
            case "deflate": return new ZLibStream(raw, CompressionMode.Decompress);
            case "br": return new BrotliStream(raw, CompressionMode.Decompress);
            default:
                problem = $"answer has an unknown content encoding '{Cut(codings[0])}'";
                return null;
        }
    }

    private static string? Text(byte[] bytes, MediaTypeHeaderValue? contentType)
    {
        try
        {
            return CharsetOf(contentType) switch
            {
                "UTF-8" => StrictUtf8.GetString(bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes.AsSpan(3) : bytes),
                "ISO-8859-1" => Encoding.Latin1.GetString(bytes),
                "US-ASCII" => bytes.Any(b => b > 0x7F) ? null : Encoding.ASCII.GetString(bytes),
                _ => null,
            };
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    // No charset means UTF-8, as JSON requires and as buyers that send XML and text almost always mean.
    private static string CharsetOf(MediaTypeHeaderValue? contentType) =>
        contentType?.CharSet?.Trim('"').ToLowerInvariant() switch
        {
            null or "" or "utf-8" or "utf8" => "UTF-8",
            "iso-8859-1" or "latin1" or "l1" => "ISO-8859-1",
            "us-ascii" or "ascii" => "US-ASCII",
            var other => "text (unsupported charset " + Cut(other) + ")",
        };

    // The redirect's target for the trace, without any credentials in it.
    private static string Target(Uri? location, Uri? from)
    {
        if (location is null) return "(no Location)";
        var target = location.IsAbsoluteUri ? location : from is null ? location : new Uri(from, location);
        if (!target.IsAbsoluteUri) return Cut(target.OriginalString);
        var builder = new UriBuilder(target) { UserName = "", Password = "" };
        return Cut(builder.Uri.GetLeftPart(UriPartial.Path));
    }

    private static string Cut(string text) => text.Length <= 120 ? text : text[..120] + "…";
}
