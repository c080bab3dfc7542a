using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using LeadHub.Core.Delivery;
using LeadHub.Core.Workspace;

namespace LeadHub.Tests.Delivery;

// Real buyers' ping/post conventions, one fixture file each (Delivery/Fixtures, each naming the
// public documentation it was written from): the request LeadHub builds, and how it reads the
// buyer's answer, through the same pure builder and reader that routing uses. No network.
public sealed class BuyerConventionTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Delivery", "Fixtures");

    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Folder, "*.json").Order()) data.Add(Path.GetFileNameWithoutExtension(file));
        return data;
    }

    [Fact]
    public void At_least_ten_conventions_are_covered_each_with_its_source()
    {
        var fixtures = Directory.GetFiles(Folder, "*.json").Select(f => JsonNode.Parse(File.ReadAllText(f))!).ToList();
        Assert.True(fixtures.Count >= 10, $"{fixtures.Count} fixtures");
        Assert.All(fixtures, f => Assert.False(string.IsNullOrWhiteSpace((string?)f["source"])));
        var buyers = fixtures.Select(f => ((string)f["convention"]!).Split(':')[0].Split(' ')[0].ToLowerInvariant()).Distinct().Count();
        Assert.True(buyers >= 10, $"{buyers} distinct buyers or platforms");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Buyer_convention_is_spoken_as_documented(string name)
    {
        var fixture = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Folder, name + ".json")))!;
        var contract = fixture["contract"]!.Deserialize<ContractConfig>(WorkspaceJson.Options)!;
        var problems = new List<string>();
        CompiledFormat.Check(contract, "$.contract", (path, message) => problems.Add($"{path}: {message}"));
        Assert.Empty(problems);
        var format = CompiledFormat.Compile(contract, new ContractSecrets(contract.Format?.Auth?.Secret,
            (contract.Format?.Secrets ?? []).Where(s => s.Value is not null).ToDictionary(s => s.Key, s => s.Value!)));

        var lead = fixture["lead"]!;
        var fields = lead["fields"]!.AsObject();
        var pingId = (string)lead["pingId"]!;
        var campaign = (string)lead["campaign"]!;

        IReadOnlyDictionary<string, string>? captured = null;
        if (fixture["ping"] is { } ping)
        {
            var pingFields = new JsonObject();
            foreach (var field in lead["pingFields"]!.AsArray().Select(f => (string)f!))
            {
                if (fields[field] is { } value) pingFields[field] = value.DeepClone();
            }
            using var request = format.Ping!.Build(new FormatValues(pingId, campaign, null, null, pingFields), format.Secrets);
            Assert.NotNull(request);
            format.Authorize(request!);
            await AssertRequestAsync(ping["request"]!, request!);
            var result = format.Ping.Response.ReadPing((int)ping["answer"]!["status"]!, (string)ping["answer"]!["body"]!);
            var expected = ping["outcome"]!;
            Assert.Equal((string)expected["outcome"]!, result.Outcome.ToString().ToLowerInvariant());
            if (expected["bid"] is { } bid) Assert.Equal(bid.GetValue<decimal>(), result.Bid);
            if (expected["reason"] is { } reason) Assert.Contains((string)reason!, result.Reason ?? "");
            if (expected["captured"] is JsonObject want) AssertCaptured(want, result.Captured);
            captured = result.Captured;
        }

        if (fixture["post"] is not { } post) return;
        // The post carries what the ping answer gave (the fixture states it too, so the two must agree).
        if (post["captured"] is JsonObject stated)
        {
            if (fixture["ping"] is not null) AssertCaptured(stated, captured);
            captured = stated.ToDictionary(p => p.Key, p => (string)p.Value!);
        }
        var price = post["price"]?.GetValue<decimal>() ?? contract.Price ?? 0;
        var values = new FormatValues(pingId, campaign, Guid.Parse((string)lead["leadId"]!), price, fields, captured);
        using var postRequest = format.Post.Build(values, format.Secrets);
        Assert.NotNull(postRequest);
        format.Authorize(postRequest!);
        await AssertRequestAsync(post["request"]!, postRequest!);
        var answer = post["answer"]!;
        var posted = format.Post.Response.ReadPost((int)answer["status"]!, (string)answer["body"]!);
        var outcome = post["outcome"]!;
        Assert.Equal((string)outcome["outcome"]!, posted.Outcome.ToString().ToLowerInvariant());
        if (outcome["buyerLeadId"] is { } id) Assert.Equal((string)id!, posted.BuyerLeadId);
        if (outcome["reason"] is { } why) Assert.Contains((string)why!, posted.Reason ?? "");
    }

    private static void AssertCaptured(JsonObject expected, IReadOnlyDictionary<string, string>? actual)
    {
        var want = expected.ToDictionary(p => p.Key, p => (string)p.Value!);
        Assert.Equal(want.OrderBy(p => p.Key), (actual ?? new Dictionary<string, string>()).OrderBy(p => p.Key));
    }

    private static async Task AssertRequestAsync(JsonNode expected, HttpRequestMessage request)
    {
        Assert.Equal((string)expected["method"]!, request.Method.Method);
        var url = request.RequestUri!;
        if (expected["query"] is JsonObject query)
        {
            Assert.Equal((string)expected["url"]!, url.GetLeftPart(UriPartial.Path));
            AssertPairs(query, url.Query.TrimStart('?'));
        }
        else Assert.Equal((string)expected["url"]!, url.AbsoluteUri);

        foreach (var (header, value) in expected["headers"]?.AsObject() ?? [])
        {
            var actual = request.Headers.TryGetValues(header, out var values) ? values
                : request.Content?.Headers.TryGetValues(header, out var contentValues) == true ? contentValues : null;
            Assert.True(actual is not null, $"header {header} missing");
            var text = string.Join(", ", actual!);
            // A content type matches by media type; LeadHub adds the charset.
            if (header.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) Assert.StartsWith((string)value!, text);
            else Assert.Equal((string)value!, text);
        }

        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync();
        if (expected["bodyJson"] is { } json) Assert.True(JsonNode.DeepEquals(json, JsonNode.Parse(body)), $"body {body}");
        if (expected["bodyForm"] is JsonObject form) AssertPairs(form, body);
        if (expected["bodyXml"] is { } xml) Assert.Equal(Normal((string)xml!), Normal(body));
        if (expected["bodyText"] is { } text2) Assert.Equal((string)text2!, body);
    }

    private static void AssertPairs(JsonObject expected, string encoded)
    {
        var actual = encoded.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => Uri.UnescapeDataString(p.Length > 1 ? p[1].Replace('+', ' ') : ""));
        var want = expected.ToDictionary(p => p.Key, p => p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>() : p.Value?.ToJsonString() ?? "");
        Assert.Equal(want.OrderBy(p => p.Key, StringComparer.Ordinal), actual.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    private static string Normal(string xml) =>
        XElement.Parse(xml, LoadOptions.None).ToString(SaveOptions.DisableFormatting).ToString(CultureInfo.InvariantCulture);
}
