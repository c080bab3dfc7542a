using System.Net;
using System.Net.Http.Json;
using System.Text;
using LeadHub.Core.Suppression;
using LeadHub.Tests.Api;
using LeadHub.Tests.Infrastructure;

namespace LeadHub.Tests.Suppression;

// Over a real socket, where Kestrel's own 30 MB body limit applies: a list file up to LeadHub's
// limit is read whole (streamed, chunked), one over it is 413 problem details.
public sealed class SuppressionUploadOverSocketTests(ChunkedBodyLimitTests.KestrelHost host) : IClassFixture<ChunkedBodyLimitTests.KestrelHost>
{
    // A CSV of `rows` lines with no phone and a 1000-character note, chunked (no Content-Length).
    private sealed class LongCsv(int rows) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync("phone,note\n"u8.ToArray());
            var line = Encoding.ASCII.GetBytes("," + new string('x', 999) + "\n");
            for (var i = 0; i < rows; i++) await stream.WriteAsync(line);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private async Task<HttpResponseMessage> UploadAsync(string list, int rows)
    {
        using var client = host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/admin/suppression/lists/{list}/upload") { Content = new LongCsv(rows) };
        request.Content.Headers.ContentType = new("text/csv");
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Authorization = new("Bearer", LeadHubFactory.AdminToken);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task A_file_above_kestrels_default_limit_is_read_and_one_above_leadhubs_is_413()
    {
        host.StartServer();
        var list = TestWorkspace.Unique("dnc");
        using (var admin = host.CreateClient())
        {
            admin.DefaultRequestHeaders.Authorization = new("Bearer", LeadHubFactory.AdminToken);
            await ApiAssert.OkJsonAsync(await admin.PutAsJsonAsync($"/api/v1/admin/suppression/lists/{list}", new { name = list, scope = "global" }));
        }

        var big = await ApiAssert.OkJsonAsync(await UploadAsync(list, 32_000)); // ~32 MB

        Assert.Equal(32_000, big.GetProperty("invalidRows").GetInt32());
        await ApiAssert.ProblemAsync(await UploadAsync(list, (int)(SuppressionFile.MaxBytes / 1000) + 10), HttpStatusCode.RequestEntityTooLarge);
    }
}
