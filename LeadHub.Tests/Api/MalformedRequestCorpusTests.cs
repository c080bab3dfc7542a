using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Api;

// What a careless or hostile client can send to every public endpoint: none of it may be a 5xx,
// and every refusal is RFC 7807 problem details (the status where it is certain).
public sealed class MalformedRequestCorpusTests(MalformedRequestCorpusTests.Host host) : IClassFixture<MalformedRequestCorpusTests.Host>
{
    // One campaign, publisher, buyer (with a returns key) and loopback contract shared by the corpus.
    public sealed class Host : LeadHubFactory, IAsyncLifetime
    {
        private LoopbackBuyers? _buyers;
        public ApiScenario S { get; private set; } = null!;
        public string BuyerApiKey { get; } = "bk-" + Guid.NewGuid().ToString("N");

        public async Task InitializeAsync()
        {
            _buyers = await LoopbackBuyers.StartAsync();
            S = await ApiScenario.CreateAsync(this, _buyers);
            var buyer = (await Workspace().ExportAsync()).Buyers.Single(b => b.Key == S.Buyer);
            await ImportAsync(new WorkspaceDocument { Buyers = [buyer with { ApiKey = BuyerApiKey }] });
        }

        async Task IAsyncLifetime.DisposeAsync()
        {
            if (_buyers is not null) await _buyers.DisposeAsync();
        }
    }

    private enum Auth { None, Publisher, Buyer, Admin }

    private sealed record Case(string Method, string Path, Auth Auth, Func<Host, HttpContent?>? Body, int? Expect = null,
        Action<HttpRequestMessage>? Headers = null);

    private static StringContent Text(string text, string type = "application/json") => new(text, Encoding.UTF8, type);

    private static ByteArrayContent Bytes(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");
        return content;
    }

    // A body sent chunked: no Content-Length, so only a limit counted while reading can stop it.
    private sealed class Chunked(int size, byte fill = (byte)' ') : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var block = new byte[64 * 1024];
            Array.Fill(block, fill);
            block[0] = (byte)'{';
            for (var sent = 0; sent < size; sent += block.Length)
            {
                await stream.WriteAsync(block.AsMemory(0, Math.Min(block.Length, size - sent)));
                block[0] = fill;
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private static string Lead(Host h, string fields) => "{\"campaign\":\"" + h.S.Campaign + "\",\"fields\":{" + fields + "}}";
    private const string GoodFields = "\"first_name\":\"Ana\",\"email\":\"a@example.com\",\"phone\":\"+1 415 555 0134\",\"zip\":\"94107\",\"state\":\"CA\",\"tcpa_consent\":true";
    private static readonly string Deep = new string('[', 10_000) + new string(']', 10_000);
    private static readonly byte[] LoneSurrogate = "\"A\\ud800\""u8.ToArray();
    private static readonly byte[] BadUtf8 = [(byte)'"', (byte)'A', 0xFF, 0xFE, (byte)'"'];
    private static byte[] Splice(string before, byte[] bad, string after) => [.. Encoding.UTF8.GetBytes(before), .. bad, .. Encoding.UTF8.GetBytes(after)];

    private static readonly Dictionary<string, Case> Corpus = new()
    {
        // Publisher: POST /api/v1/leads
        ["lead: no body"] = new("POST", "/api/v1/leads", Auth.Publisher, null, 400),
        ["lead: not JSON"] = new("POST", "/api/v1/leads", Auth.Publisher, _ => Text("campaign=x&fields=y", "application/x-www-form-urlencoded"), 400),
        ["lead: JSON null"] = new("POST", "/api/v1/leads", Auth.Publisher, _ => Text("null"), 400),
        ["lead: JSON array"] = new("POST", "/api/v1/leads", Auth.Publisher, _ => Text("[]"), 400),
        ["lead: JSON number"] = new("POST", "/api/v1/leads", Auth.Publisher, _ => Text("42"), 400),
        ["lead: truncated JSON"] = new("POST", "/api/v1/leads", Auth.Publisher, h => Text(Lead(h, GoodFields)[..40]), 400),
        ["lead: campaign is a number"] = new("POST", "/api/v1/leads", Auth.Publisher, _ => Text("""{"campaign":5,"fields":{}}"""), 400),
        ["lead: no fields"] = new("POST", "/api/v1/leads", Auth.Publisher, h => Text($$$"""{"campaign":"{{{h.S.Campaign}}}"}"""), 400),
        ["lead: fields is a string"] = new("POST", "/api/v1/leads", Auth.Publisher, h => Text($$$"""{"campaign":"{{{h.S.Campaign}}}","fields":"x"}"""), 400),
        ["lead: test is a string"] = new("POST", "/api/v1/leads", Auth.Publisher, h => Text($$$"""{"campaign":"{{{h.S.Campaign}}}","test":"yes","fields":{}}"""), 400),
        ["lead: subId of 300 characters"] = new("POST", "/api/v1/leads", Auth.Publisher,
            h => Text($$$"""{"campaign":"{{{h.S.Campaign}}}","subId":"{{{new string('s', 300)}}}","fields":{}}"""), 400),
        ["lead: unknown campaign"] = new("POST", "/api/v1/leads", Auth.Publisher, _ => Text("""{"campaign":"no-such-campaign","fields":{}}"""), 404),
        ["lead: nesting 10000 deep"] = new("POST", "/api/v1/leads", Auth.Publisher, _ => Text(Deep), 400),
        ["lead: lone surrogate in a field"] = new("POST", "/api/v1/leads", Auth.Publisher,
            h => Bytes(Splice($$$"""{"campaign":"{{{h.S.Campaign}}}","fields":{"last_name":""", LoneSurrogate, "," + GoodFields + "}}")), 422),
        ["lead: invalid UTF-8 in a field"] = new("POST", "/api/v1/leads", Auth.Publisher,
            h => Bytes(Splice($$$"""{"campaign":"{{{h.S.Campaign}}}","fields":{"last_name":""", BadUtf8, "," + GoodFields + "}}")), 422),
        ["lead: invalid UTF-8 in a field name"] = new("POST", "/api/v1/leads", Auth.Publisher,
            h => Bytes(Splice($$$"""{"campaign":"{{{h.S.Campaign}}}","fields":{""", BadUtf8, ":1," + GoodFields + "}}")), 422),
        ["lead: lone surrogate in the campaign"] = new("POST", "/api/v1/leads", Auth.Publisher,
            _ => Bytes(Splice("""{"campaign":""", LoneSurrogate, ""","fields":{}}""")), 400),
        ["lead: invalid UTF-8 outside a string"] = new("POST", "/api/v1/leads", Auth.Publisher, _ => Bytes([(byte)'{', 0xFF, (byte)'}']), 400),
        ["lead: age 1e400"] = new("POST", "/api/v1/leads", Auth.Publisher, h => Text(Lead(h, GoodFields + ",\"age\":1e400")), 422),
        ["lead: age of 30 digits"] = new("POST", "/api/v1/leads", Auth.Publisher, h => Text(Lead(h, GoodFields + ",\"age\":" + new string('9', 30))), 422),
        ["lead: fields hold objects and arrays"] = new("POST", "/api/v1/leads", Auth.Publisher,
            h => Text(Lead(h, "\"first_name\":{\"a\":1},\"email\":[1],\"phone\":true,\"zip\":null,\"state\":1.5,\"tcpa_consent\":\"maybe\"")), 422),
        ["lead: NUL and control characters"] = new("POST", "/api/v1/leads", Auth.Publisher,
            h => Text(Lead(h, GoodFields.Replace("Ana", "A\\u0000\\u001b")))),
        ["lead: over 64 KiB with Content-Length"] = new("POST", "/api/v1/leads", Auth.Publisher,
            h => Text(Lead(h, GoodFields + $",\"x\":\"{new string('x', 70_000)}\"")), 413),
        ["lead: over 64 KiB chunked"] = new("POST", "/api/v1/leads", Auth.Publisher, _ => new Chunked(70_000), 413),
        ["lead: Idempotency-Key of 300 characters"] = new("POST", "/api/v1/leads", Auth.Publisher, h => Text(Lead(h, GoodFields)), 400,
            r => r.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 300))),
        ["lead: no API key"] = new("POST", "/api/v1/leads", Auth.None, h => Text(Lead(h, GoodFields)), 401),
        ["lead: API key of 10000 characters"] = new("POST", "/api/v1/leads", Auth.None, h => Text(Lead(h, GoodFields)), 401,
            r => r.Headers.TryAddWithoutValidation("X-Api-Key", new string('k', 10_000))),
        ["lead: GET"] = new("GET", "/api/v1/leads", Auth.Publisher, null, 404),

        // Publisher: POST /api/v1/pings and /api/v1/pings/{id}/post
        ["ping: no body"] = new("POST", "/api/v1/pings", Auth.Publisher, null, 400),
        ["ping: JSON array"] = new("POST", "/api/v1/pings", Auth.Publisher, _ => Text("[1,2]"), 400),
        ["ping: lone surrogate in a field"] = new("POST", "/api/v1/pings", Auth.Publisher,
            h => Bytes(Splice($$$"""{"campaign":"{{{h.S.Campaign}}}","fields":{"state":"CA","zip":""", LoneSurrogate, "}}")), 422),
        ["ping: invalid UTF-8 in a field"] = new("POST", "/api/v1/pings", Auth.Publisher,
            h => Bytes(Splice($$$"""{"campaign":"{{{h.S.Campaign}}}","fields":{"state":"CA","zip":""", BadUtf8, "}}")), 422),
        ["ping: over 64 KiB chunked"] = new("POST", "/api/v1/pings", Auth.Publisher, _ => new Chunked(100_000), 413),
        ["ping: nesting 10000 deep"] = new("POST", "/api/v1/pings", Auth.Publisher, _ => Text(Deep), 400),
        ["ping post: unknown ping"] = new("POST", $"/api/v1/pings/{Guid.Empty}/post", Auth.Publisher, h => Text(Lead(h, GoodFields)), 404),
        ["ping post: id is not a GUID"] = new("POST", "/api/v1/pings/not-a-guid/post", Auth.Publisher, h => Text(Lead(h, GoodFields)), 404),
        ["ping post: lone surrogate in the campaign"] = new("POST", $"/api/v1/pings/{Guid.Empty}/post", Auth.Publisher,
            _ => Bytes(Splice("""{"campaign":""", LoneSurrogate, ""","fields":{}}""")), 400),
        ["ping post: not JSON"] = new("POST", $"/api/v1/pings/{Guid.Empty}/post", Auth.Publisher, _ => Text("<lead/>", "application/xml"), 400),

        // Buyer: /api/v1/returns
        ["return: no API key"] = new("POST", "/api/v1/returns", Auth.None, _ => Text($$$"""{"leadId":"{{{Guid.Empty}}}","reason":"x"}"""), 401),
        ["return: no body"] = new("POST", "/api/v1/returns", Auth.Buyer, null, 400),
        ["return: not JSON"] = new("POST", "/api/v1/returns", Auth.Buyer, _ => Text("reason"), 400),
        ["return: leadId is not a GUID"] = new("POST", "/api/v1/returns", Auth.Buyer, _ => Text("""{"leadId":"abc","reason":"x"}"""), 400),
        ["return: leadId is a number"] = new("POST", "/api/v1/returns", Auth.Buyer, _ => Text("""{"leadId":12,"reason":"x"}"""), 400),
        ["return: empty reason"] = new("POST", "/api/v1/returns", Auth.Buyer, _ => Text($$$"""{"leadId":"{{{Guid.Empty}}}","reason":"  "}"""), 400),
        ["return: reason of 10000 characters"] = new("POST", "/api/v1/returns", Auth.Buyer,
            _ => Text($$$"""{"leadId":"{{{Guid.Empty}}}","reason":"{{{new string('r', 10_000)}}}"}"""), 400),
        ["return: lone surrogate in the reason"] = new("POST", "/api/v1/returns", Auth.Buyer,
            _ => Bytes(Splice($$$"""{"leadId":"{{{Guid.Empty}}}","reason":""", LoneSurrogate, "}")), 400),
        ["return: invalid UTF-8 in the reason"] = new("POST", "/api/v1/returns", Auth.Buyer,
            _ => Bytes(Splice($$$"""{"leadId":"{{{Guid.Empty}}}","reason":""", BadUtf8, "}")), 400),
        ["return: unknown lead"] = new("POST", "/api/v1/returns", Auth.Buyer, _ => Text($$$"""{"leadId":"{{{Guid.NewGuid()}}}","reason":"bad"}"""), 404),
        ["return: over 16 KiB chunked"] = new("POST", "/api/v1/returns", Auth.Buyer, _ => new Chunked(20_000), 413),
        ["return: read with an id that is not a GUID"] = new("GET", "/api/v1/returns/not-a-guid", Auth.Buyer, null, 404),
        ["return: read an unknown return"] = new("GET", $"/api/v1/returns/{Guid.NewGuid()}", Auth.Buyer, null, 404),

        // Admin: workspace import
        ["workspace: no token"] = new("PUT", "/api/v1/admin/workspace", Auth.None, _ => Text("{}"), 401),
        ["workspace: not JSON"] = new("PUT", "/api/v1/admin/workspace", Auth.Admin, _ => Text("campaigns:"), 400),
        ["workspace: JSON null"] = new("PUT", "/api/v1/admin/workspace", Auth.Admin, _ => Text("null"), 400),
        ["workspace: campaigns is a number"] = new("PUT", "/api/v1/admin/workspace", Auth.Admin, _ => Text("""{"campaigns":5}"""), 422),
        ["workspace: a null campaign"] = new("PUT", "/api/v1/admin/workspace", Auth.Admin, _ => Text("""{"campaigns":[null]}"""), 422),
        ["workspace: a money value of 1e400"] = new("PUT", "/api/v1/admin/workspace", Auth.Admin,
            _ => Text("""{"campaigns":[{"key":"k","name":"k","floor":1e400,"fields":[]}]}"""), 422),
        ["workspace: lone surrogate in a name"] = new("PUT", "/api/v1/admin/workspace", Auth.Admin,
            _ => Bytes(Splice("""{"campaigns":[{"key":"k-uni","fields":[],"name":""", LoneSurrogate, "}]}")), 422),
        ["workspace: invalid UTF-8 in a key"] = new("PUT", "/api/v1/admin/workspace", Auth.Admin,
            _ => Bytes(Splice("""{"publishers":[{"name":"p","key":""", BadUtf8, "}]}")), 422),
        ["workspace: nesting 10000 deep"] = new("PUT", "/api/v1/admin/workspace", Auth.Admin, _ => Text(Deep), 400),
        ["workspace: 17 MiB chunked"] = new("PUT", "/api/v1/admin/workspace", Auth.Admin, _ => new Chunked(17 * 1024 * 1024), 413),
        ["workspace: 17 MiB with Content-Length"] = new("PUT", "/api/v1/admin/workspace", Auth.Admin,
            _ => Bytes([.. "{\"x\":\""u8, .. new byte[17 * 1024 * 1024].Select(_ => (byte)'x'), .. "\"}"u8]), 413),

        // Admin: contract try
        ["try: unknown contract"] = new("POST", "/api/v1/admin/contracts/no-such-contract/try", Auth.Admin, _ => Text("{}"), 404),
        ["try: not JSON"] = new("POST", "/api/v1/admin/contracts/{contract}/try", Auth.Admin, _ => Text("ping"), 400),
        ["try: unknown phase"] = new("POST", "/api/v1/admin/contracts/{contract}/try", Auth.Admin, _ => Text("""{"phase":"bogus"}"""), 400),
        ["try: price is text"] = new("POST", "/api/v1/admin/contracts/{contract}/try", Auth.Admin, _ => Text("""{"phase":"post","price":"ten"}"""), 400),
        ["try: price 1e400"] = new("POST", "/api/v1/admin/contracts/{contract}/try", Auth.Admin, _ => Text("""{"phase":"post","price":1e400}"""), 400),
        ["try: lead is an array"] = new("POST", "/api/v1/admin/contracts/{contract}/try", Auth.Admin, _ => Text("""{"phase":"ping","lead":[1]}""")),
        ["try: lone surrogate in the lead"] = new("POST", "/api/v1/admin/contracts/{contract}/try", Auth.Admin,
            _ => Bytes(Splice("""{"phase":"ping","lead":{"zip":""", LoneSurrogate, "}}")), 422),
        ["try: invalid UTF-8 in the phase"] = new("POST", "/api/v1/admin/contracts/{contract}/try", Auth.Admin,
            _ => Bytes(Splice("""{"phase":""", BadUtf8, "}")), 422),
        ["try: over 64 KiB chunked"] = new("POST", "/api/v1/admin/contracts/{contract}/try", Auth.Admin, _ => new Chunked(70_000), 413),
        ["try: no token"] = new("POST", "/api/v1/admin/contracts/{contract}/try", Auth.None, _ => Text("{}"), 401),

        // Admin: bulk edits of contracts and buyers
        ["bulk: no token"] = new("POST", "/api/v1/admin/contracts/bulk", Auth.None, _ => Text("{}"), 401),
        ["bulk: not JSON"] = new("POST", "/api/v1/admin/contracts/bulk", Auth.Admin, _ => Text("pause all"), 400),
        ["bulk: JSON null"] = new("POST", "/api/v1/admin/buyers/bulk", Auth.Admin, _ => Text("null"), 400),
        ["bulk: keys is a number"] = new("POST", "/api/v1/admin/contracts/bulk", Auth.Admin, _ => Text("""{"keys":5,"action":"resume"}"""), 400),
        ["bulk: minBid 1e400"] = new("POST", "/api/v1/admin/contracts/bulk", Auth.Admin,
            _ => Text("""{"keys":["{contract}"],"action":"set-min-bid","minBid":1e400}"""), 400),
        ["bulk: unknown action"] = new("POST", "/api/v1/admin/contracts/bulk", Auth.Admin, _ => Text("""{"keys":["{contract}"],"action":"delete"}"""), 422),
        ["bulk: lone surrogate in the reason"] = new("POST", "/api/v1/admin/contracts/bulk", Auth.Admin,
            _ => Bytes(Splice("""{"keys":["x"],"action":"pause","reason":""", LoneSurrogate, "}")), 422),
        ["bulk: over 1 MiB chunked"] = new("POST", "/api/v1/admin/buyers/bulk", Auth.Admin, _ => new Chunked(1_100_000), 413),

        // Admin: a campaign's live split
        ["split: no token"] = new("GET", "/api/v1/admin/campaigns/{campaign}/split", Auth.None, null, 401),
        ["split: none running"] = new("GET", "/api/v1/admin/campaigns/{campaign}/split", Auth.Admin, null, 404),
        ["split: unknown campaign"] = new("PUT", "/api/v1/admin/campaigns/no-such-campaign/split", Auth.Admin, _ => Text("""{"shareB":0.1}"""), 404),
        ["split: not JSON"] = new("PUT", "/api/v1/admin/campaigns/{campaign}/split", Auth.Admin, _ => Text("ten percent"), 400),
        ["split: JSON null"] = new("PUT", "/api/v1/admin/campaigns/{campaign}/split", Auth.Admin, _ => Text("null"), 400),
        ["split: shareB 1e400"] = new("PUT", "/api/v1/admin/campaigns/{campaign}/split", Auth.Admin, _ => Text("""{"shareB":1e400}"""), 400),
        ["split: planB is an array"] = new("PUT", "/api/v1/admin/campaigns/{campaign}/split", Auth.Admin, _ => Text("""{"shareB":0.1,"planB":[1]}"""), 400),
        ["split: lone surrogate in the id"] = new("PUT", "/api/v1/admin/campaigns/{campaign}/split", Auth.Admin,
            _ => Bytes(Splice("""{"shareB":0.1,"id":""", LoneSurrogate, "}")), 400),
        ["split: invalid UTF-8 in the id"] = new("PUT", "/api/v1/admin/campaigns/{campaign}/split", Auth.Admin,
            _ => Bytes(Splice("""{"shareB":0.1,"id":""", BadUtf8, "}")), 400),
        ["split: nesting 10000 deep"] = new("PUT", "/api/v1/admin/campaigns/{campaign}/split", Auth.Admin, _ => Text(Deep), 400),
        ["split: over 64 KiB chunked"] = new("PUT", "/api/v1/admin/campaigns/{campaign}/split", Auth.Admin, _ => new Chunked(70_000), 413),
        ["split: promote with none running"] = new("POST", "/api/v1/admin/campaigns/{campaign}/split/promote", Auth.Admin, null, 409),
        ["split: stop with none running"] = new("DELETE", "/api/v1/admin/campaigns/{campaign}/split", Auth.Admin, null, 409),
        // Admin: revenue lab replays
        ["replay: no token"] = new("POST", "/api/v1/admin/lab/replays", Auth.None, _ => Text("{}"), 401),
        ["replay: not JSON"] = new("POST", "/api/v1/admin/lab/replays", Auth.Admin, _ => Text("replay it"), 400),
        ["replay: JSON null"] = new("POST", "/api/v1/admin/lab/replays", Auth.Admin, _ => Text("null"), 400),
        ["replay: from is a number"] = new("POST", "/api/v1/admin/lab/replays", Auth.Admin, _ => Text("""{"campaign":"x","from":5}"""), 400),
        ["replay: floor 1e400"] = new("POST", "/api/v1/admin/lab/replays", Auth.Admin, _ => Text("""{"campaign":"x","plan":{"floor":1e400}}"""), 400),
        ["replay: nesting 10000 deep"] = new("POST", "/api/v1/admin/lab/replays", Auth.Admin, _ => Text(Deep), 400),
        ["replay: over 64 KiB chunked"] = new("POST", "/api/v1/admin/lab/replays", Auth.Admin, _ => new Chunked(70_000), 413),
        ["replay read: not a GUID"] = new("GET", "/api/v1/admin/lab/replays/not-a-guid", Auth.Admin, null, 404),

        // Admin: lead reads and search
        ["lead read: not a GUID"] = new("GET", "/api/v1/admin/leads/not-a-guid", Auth.Admin, null, 404),
        ["lead read: unknown lead"] = new("GET", $"/api/v1/admin/leads/{Guid.NewGuid()}", Auth.Admin, null, 404),
        ["lead read: no token"] = new("GET", $"/api/v1/admin/leads/{Guid.NewGuid()}", Auth.None, null, 401),
        ["leads: unknown status"] = new("GET", "/api/v1/admin/leads?status=bogus", Auth.Admin, null, 400),
        ["leads: page 0"] = new("GET", "/api/v1/admin/leads?page=0", Auth.Admin, null, 400),
        ["leads: page -1"] = new("GET", "/api/v1/admin/leads?page=-1", Auth.Admin, null, 400),
        ["leads: page of 20 digits"] = new("GET", "/api/v1/admin/leads?page=99999999999999999999", Auth.Admin, null, 400),
        ["leads: page is text"] = new("GET", "/api/v1/admin/leads?page=abc", Auth.Admin, null, 400),
        ["leads: pageSize 100000"] = new("GET", "/api/v1/admin/leads?pageSize=100000", Auth.Admin, null, 400),
        ["leads: from is not a time"] = new("GET", "/api/v1/admin/leads?from=yesterday", Auth.Admin, null, 400),
        ["leads: from year 1"] = new("GET", "/api/v1/admin/leads?from=0001-01-01T00:00:00Z", Auth.Admin, null, 400),
        ["leads: to year 9999"] = new("GET", "/api/v1/admin/leads?to=9999-12-31T23:59:59Z", Auth.Admin, null, 400),
        ["leads: undecodable percent-encoding"] = new("GET", "/api/v1/admin/leads?campaign=%ED%A0%80%FF", Auth.Admin, null, 200),

        // Admin: KPIs
        ["kpis: year 1"] = new("GET", "/api/v1/admin/kpis?from=0001-01-01&to=0001-01-02", Auth.Admin, null, 400),
        ["kpis: to at year 1, from defaulted"] = new("GET", "/api/v1/admin/kpis?to=0001-01-01T00:00:00Z", Auth.Admin, null, 400),
        ["kpis: year 9999"] = new("GET", "/api/v1/admin/kpis?from=9999-12-30&to=9999-12-31T23:59:59.9999999Z", Auth.Admin, null, 400),
        ["kpis: from at year 9999, to defaulted"] = new("GET", "/api/v1/admin/kpis?from=9999-12-31", Auth.Admin, null, 400),
        ["kpis: from after to"] = new("GET", "/api/v1/admin/kpis?from=2026-02-01&to=2026-01-01", Auth.Admin, null, 400),
        ["kpis: range of two years"] = new("GET", "/api/v1/admin/kpis?from=2024-01-01&to=2026-01-01", Auth.Admin, null, 400),
        ["kpis: unknown bucket"] = new("GET", "/api/v1/admin/kpis?bucket=month", Auth.Admin, null, 400),
        ["kpis: minute buckets over a week"] = new("GET", "/api/v1/admin/kpis?from=2026-01-01&to=2026-01-08&bucket=minute", Auth.Admin, null, 400),
        ["kpis: from is not a time"] = new("GET", "/api/v1/admin/kpis?from=2026-13-45", Auth.Admin, null, 400),
        ["kpis: no token"] = new("GET", "/api/v1/admin/kpis", Auth.None, null, 401),
        ["admin health: no token"] = new("GET", "/api/v1/admin/health", Auth.None, null, 401),

        // Admin: a buyer's return file
        ["return import: no buyer"] = new("POST", "/api/v1/admin/returns/import", Auth.Admin, _ => Text("lead_id,reason\nx,y", "text/csv"), 400),
        ["return import: unknown buyer"] = new("POST", "/api/v1/admin/returns/import?buyer=no-such-buyer", Auth.Admin, _ => Text("lead_id,reason\nx,y", "text/csv"), 400),
        ["return import: empty file"] = new("POST", "/api/v1/admin/returns/import?buyer={buyer}", Auth.Admin, null, 400),
        ["return import: JSON instead of CSV"] = new("POST", "/api/v1/admin/returns/import?buyer={buyer}", Auth.Admin, _ => Text("""{"leadId":"x"}"""), 400),
        ["return import: header without a reason column"] = new("POST", "/api/v1/admin/returns/import?buyer={buyer}", Auth.Admin,
            _ => Text("lead_id,comment\n" + Guid.NewGuid() + ",bad", "text/csv"), 400),
        ["return import: unclosed quote"] = new("POST", "/api/v1/admin/returns/import?buyer={buyer}", Auth.Admin,
            _ => Text("lead_id,reason\n\"" + Guid.NewGuid() + ",bad\n", "text/csv"), 400),
        ["return import: invalid UTF-8"] = new("POST", "/api/v1/admin/returns/import?buyer={buyer}", Auth.Admin,
            _ => Bytes(Splice("lead_id,reason\nx,", BadUtf8, "\n")), 400),
        ["return import: apply is not a boolean"] = new("POST", "/api/v1/admin/returns/import?buyer={buyer}&apply=maybe", Auth.Admin,
            _ => Text("lead_id,reason\nx,y", "text/csv"), 400),
        ["return import: over 1 MiB chunked"] = new("POST", "/api/v1/admin/returns/import?buyer={buyer}", Auth.Admin, _ => new Chunked(1_100_000), 413),
        ["return import: no token"] = new("POST", "/api/v1/admin/returns/import?buyer={buyer}", Auth.None, _ => Text("lead_id,reason\nx,y", "text/csv"), 401),

        // Portal endpoints a script can reach without the browser
        ["logout: no antiforgery token"] = new("POST", "/account/logout", Auth.None,
            _ => new FormUrlEncodedContent([new("x", "y")])),
        ["login: a 1 MiB form"] = new("POST", "/account/login", Auth.None,
            _ => new FormUrlEncodedContent([new("email", new string('e', 1024 * 1024)), new("password", "p")])),
        ["portal: lead page with an id that is not a GUID"] = new("GET", "/leads/not-a-guid", Auth.None, null),

        // Health
        ["health: POST to live"] = new("POST", "/health/live", Auth.None, _ => Text("{}"), 405),
        ["health: unknown check"] = new("GET", "/health/bogus", Auth.None, null, 404),
    };

    public static TheoryData<string> Cases => new(Corpus.Keys);

    [Fact]
    public void Corpus_has_at_least_60_requests_covering_every_public_endpoint()
    {
        Assert.True(Corpus.Count >= 60, $"only {Corpus.Count} cases");
        foreach (var endpoint in new[] { "/api/v1/leads", "/api/v1/pings", "/post", "/api/v1/returns", "/api/v1/admin/workspace", "/try",
                     "/api/v1/admin/leads", "/api/v1/admin/kpis", "/api/v1/admin/returns/import", "/health/", "/bulk" })
            Assert.Contains(Corpus.Values, c => c.Path.Contains(endpoint));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Malformed_request_gets_a_client_error_as_problem_details_never_a_server_error(string name)
    {
        var c = Corpus[name];
        using var client = host.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path.Replace("{contract}", host.S.Contract).Replace("{campaign}", host.S.Campaign).Replace("{buyer}", host.S.Buyer))
        {
            Content = c.Body?.Invoke(host),
        };
        switch (c.Auth)
        {
            case Auth.Publisher: request.Headers.Add("X-Api-Key", host.S.ApiKey); break;
            case Auth.Buyer: request.Headers.Add("X-Api-Key", host.BuyerApiKey); break;
            case Auth.Admin: request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LeadHubFactory.AdminToken); break;
        }
        c.Headers?.Invoke(request);

        using var response = await client.SendAsync(request);

        var body = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        Assert.True(status < 500, $"{name}: {status} {body}");
        if (c.Expect is { } expected) Assert.True(expected == status, $"{name}: expected {expected}, got {status}: {body}");
        // API and health answers are problem details; a portal page may answer with an HTML page of its own.
        if (status >= 400 && (c.Path.StartsWith("/api/") || c.Path.StartsWith("/health/")))
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            ApiAssert.NoStackTrace(body);
            Assert.Equal(status, JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32());
        }
    }
}
