using System.Text.Json;
using LeadHub.Core.Workspace;

namespace LeadHub.Tests.Infrastructure;

// Workspace pieces shaped like CONTRACT §4's example, with unique keys per test so tests can
// share one host without seeing each other's campaigns or duplicates.
public static class TestWorkspace
{
    private static int _counter;

    public static string Unique(string prefix) => $"{prefix}-{Interlocked.Increment(ref _counter)}-{Guid.NewGuid().ToString("N")[..6]}";

    public static CampaignConfig Campaign(string key, int auctionTimeoutMs = 800, decimal floor = 0, int maxPostAttempts = 3) => new()
    {
        Key = key, Name = key, AuctionTimeoutMs = auctionTimeoutMs, Floor = floor, MaxPostAttempts = maxPostAttempts,
        Fields =
        [
            new() { Name = "first_name", Type = FieldTypes.String, Required = true, Pii = true },
            new() { Name = "last_name", Type = FieldTypes.String, Pii = true },
            new() { Name = "email", Type = FieldTypes.Email, Required = true, Pii = true },
            new() { Name = "phone", Type = FieldTypes.Phone, Required = true, Pii = true },
            new() { Name = "zip", Type = FieldTypes.Zip, Required = true },
            new() { Name = "state", Type = FieldTypes.State, Required = true },
            new() { Name = "age", Type = FieldTypes.Integer, Min = 18, Max = 120 },
            new() { Name = "homeowner", Type = FieldTypes.Boolean },
            new() { Name = "tcpa_consent", Type = FieldTypes.Boolean, Required = true, Values = [JsonSerializer.SerializeToElement(true)] },
        ],
    };

    public static PublisherConfig Publisher(string key, string apiKey, params string[] campaigns) => new()
    {
        Key = key, Name = key, ApiKey = apiKey, Campaigns = [.. campaigns],
        Payout = new PayoutConfig { Model = PayoutModels.Revshare, Percent = 70 },
    };

    public static ContractConfig PingPost(string key, string campaign, string pingUrl, string postUrl, int tier = 0, int timeoutMs = 300) => new()
    {
        Key = key, Campaign = campaign, Mode = ContractModes.PingPost, Tier = tier, PingUrl = pingUrl, PostUrl = postUrl, TimeoutMs = timeoutMs,
    };

    public static ContractConfig DirectPost(string key, string campaign, string postUrl, decimal price, int tier = 1) => new()
    {
        Key = key, Campaign = campaign, Mode = ContractModes.DirectPost, Tier = tier, PostUrl = postUrl, Price = price,
    };

    public static BuyerConfig Buyer(string key, params ContractConfig[] contracts) => new() { Key = key, Name = key, Contracts = [.. contracts] };

    private static int _person;

    // A valid lead of a new person each call, so dedupe never interferes unless a test wants it.
    public static object Lead(string campaign, object? overrideFields = null, string? subId = null, bool test = false)
    {
        var n = Interlocked.Increment(ref _person);
        var fields = new Dictionary<string, object?>
        {
            ["first_name"] = "Ana", ["last_name"] = "Ruiz",
            ["email"] = $"ana.{n}.{Guid.NewGuid():N}@example.com",
            ["phone"] = $"+1 415 2{(n / 10000) % 100:00} {n % 10000:0000}",
            ["zip"] = "94107", ["state"] = "CA", ["age"] = 34, ["homeowner"] = true, ["tcpa_consent"] = true,
        };
        if (overrideFields is not null)
        {
            foreach (var (k, v) in JsonSerializer.SerializeToElement(overrideFields).EnumerateObject().Select(p => (p.Name, p.Value)))
                fields[k] = v.ValueKind == JsonValueKind.Null ? null : v;
        }
        return new { campaign, subId, test, fields };
    }
}
