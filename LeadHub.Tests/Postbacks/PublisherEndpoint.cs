using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LeadHub.Tests.Postbacks;

public sealed record PostbackCall(string Method, string PathAndQuery, string Body, IReadOnlyDictionary<string, string> Headers, int Answered)
{
    public string Query(string name) => Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri("http://x" + PathAndQuery).Query)
        .TryGetValue(name, out var v) ? v.ToString() : "";
}

// A publisher's postback endpoint on a real loopback socket: records every call and answers with
// the status `Answer` picks for it (200 unless told otherwise).
public sealed class PublisherEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    public ConcurrentQueue<PostbackCall> Calls { get; } = new();
    public Func<HttpRequest, int> Answer { get; set; } = _ => 200;
    public string BaseUrl { get; }

    private PublisherEndpoint(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public static async Task<PublisherEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        PublisherEndpoint? self = null;
        app.MapMethods("/{**path}", ["GET", "POST"], async (HttpRequest request) =>
        {
            var body = await new StreamReader(request.Body).ReadToEndAsync();
            var status = self!.Answer(request);
            self.Calls.Enqueue(new PostbackCall(request.Method, request.Path + request.QueryString, body,
                request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), status));
            return Results.Text(status is >= 200 and <= 299 ? "OK" : "nope", statusCode: status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new PublisherEndpoint(app, address);
        return self;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
