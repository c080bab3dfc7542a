using System.Net;
using LeadHub.Tests.Infrastructure;

namespace LeadHub.Tests.Api;

// Body limits hold over a real socket for chunked bodies (no Content-Length to check): the
// limit is counted while reading, and the answer is 413 problem details.
public sealed class ChunkedBodyLimitTests(ChunkedBodyLimitTests.KestrelHost host) : IClassFixture<ChunkedBodyLimitTests.KestrelHost>
{
    public sealed class KestrelHost : LeadHubFactory
    {
        public KestrelHost() => UseKestrel(0);
    }

    // Sent in 64 KiB chunks, length unknown to the client: HttpClient sends Transfer-Encoding: chunked.
    private sealed class Chunked(long size) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var block = new byte[64 * 1024];
            Array.Fill(block, (byte)' ');
            block[0] = (byte)'{';
            for (long sent = 0; sent < size; sent += block.Length)
            {
                await stream.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, size - sent)));
                block[0] = (byte)' ';
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Theory]
    [InlineData("PUT", "/api/v1/admin/workspace", 17 * 1024 * 1024)]
    [InlineData("POST", "/api/v1/leads", 1024 * 1024)]
    [InlineData("POST", "/api/v1/pings", 1024 * 1024)]
    [InlineData("POST", "/api/v1/returns", 1024 * 1024)]
    [InlineData("POST", "/api/v1/admin/contracts/any/try", 1024 * 1024)]
    public async Task Chunked_body_over_the_limit_is_413(string method, string path, int size)
    {
        var s = await ApiScenario.CreateAsync(host);
        var buyerKey = ApiScenario.NewApiKey();
        await host.ImportAsync(new LeadHub.Core.Workspace.WorkspaceDocument { Buyers = [TestWorkspace.Buyer(TestWorkspace.Unique("b")) with { ApiKey = buyerKey }] });
        host.StartServer();
        using var client = host.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new Chunked(size) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Add("X-Api-Key", path.Contains("returns") ? buyerKey : s.ApiKey);
        request.Headers.Authorization = new("Bearer", LeadHubFactory.AdminToken);

        using var response = await client.SendAsync(request);

        await ApiAssert.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }
}
