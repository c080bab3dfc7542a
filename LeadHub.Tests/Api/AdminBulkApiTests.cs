using System.Net;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Portal;

namespace LeadHub.Tests.Api;

// POST /api/v1/admin/contracts/bulk and /buyers/bulk: the portal's bulk edit for scripts, all or nothing.
public class AdminBulkApiTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    private async Task<(string Buyer, string[] Contracts)> SetUpAsync()
    {
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("camp"));
        var keys = Enumerable.Range(0, 3).Select(_ => TestWorkspace.Unique("ct")).ToArray();
        var buyer = TestWorkspace.Buyer(TestWorkspace.Unique("buyer"),
            TestWorkspace.PingPost(keys[0], campaign.Key, "https://b.example/ping", "https://b.example/post"),
            TestWorkspace.PingPost(keys[1], campaign.Key, "https://b.example/ping", "https://b.example/post"),
            TestWorkspace.DirectPost(keys[2], campaign.Key, "https://b.example/post", 9m));
        Assert.Empty(await factory.Workspace().ImportAsync(new WorkspaceDocument { Campaigns = [campaign], Buyers = [buyer] }, "setup"));
        return (buyer.Key, keys);
    }

    private async Task<List<ContractConfig>> ContractsAsync(string buyer) => (await factory.ExportedBuyerAsync(buyer))!.Contracts;

    [Fact]
    public async Task Pausing_contracts_in_bulk_records_the_reason_on_each_and_one_audit_entry_each()
    {
        var (buyer, keys) = await SetUpAsync();
        using var admin = factory.Admin();

        var response = await admin.PostAsync("/api/v1/admin/contracts/bulk", Bodies.Of(new { keys, action = "pause", reason = "buyer over budget" }));

        var body = await ApiAssert.OkJsonAsync(response);
        Assert.Equal(keys.Order(), body.GetProperty("changed").EnumerateArray().Select(e => e.GetString()!).Order());
        foreach (var c in await ContractsAsync(buyer))
        {
            Assert.False(c.Active);
            Assert.Equal(("admin-api", "buyer over budget"), (c.Paused!.By, c.Paused.Reason));
        }
        foreach (var key in keys)
            Assert.Single(await factory.AuditAsync(key), a => a.Action == "pause");
    }

    [Fact]
    public async Task Setting_a_floor_skips_direct_post_contracts_and_says_how_many_were_left_as_they_were()
    {
        var (buyer, keys) = await SetUpAsync();
        using var admin = factory.Admin();

        var response = await admin.PostAsync("/api/v1/admin/contracts/bulk", Bodies.Of(new { keys, action = "set-min-bid", minBid = 7.5m }));

        var body = await ApiAssert.OkJsonAsync(response);
        Assert.Equal(2, body.GetProperty("changed").GetArrayLength());
        Assert.Equal(1, body.GetProperty("unchanged").GetInt32());
        var contracts = await ContractsAsync(buyer);
        Assert.Equal([7.5m, 7.5m, null], keys.Select(k => contracts.Single(c => c.Key == k).MinBid));
    }

    [Fact]
    public async Task Setting_buyer_caps_in_bulk_changes_their_caps()
    {
        var (buyer, _) = await SetUpAsync();
        using var admin = factory.Admin();

        var response = await admin.PostAsync("/api/v1/admin/buyers/bulk", Bodies.Of(new { keys = new[] { buyer }, action = "set-caps", caps = new { daily = 300 } }));

        await ApiAssert.OkJsonAsync(response);
        Assert.Equal(new CapsConfig { Daily = 300 }, (await factory.ExportedBuyerAsync(buyer))!.Caps);
        Assert.Single(await factory.AuditAsync(buyer), a => a.Action == "set caps");
    }

    [Fact]
    public async Task A_floor_above_a_contracts_max_bid_is_refused_naming_that_contract_and_changes_none()
    {
        var (buyer, keys) = await SetUpAsync();
        await factory.Workspace().BulkEditAsync("contract", [keys[1]], new BulkEdit(BulkActions.SetMinBid, MinBid: 1), "setup");
        var stored = (await ContractsAsync(buyer)).Single(c => c.Key == keys[1]);
        Assert.Empty(await factory.Workspace().ImportAsync(new WorkspaceDocument
        {
            Buyers = [(await factory.ExportedBuyerAsync(buyer))! with { Contracts = [stored with { MaxBid = 20 }] }],
        }, "setup"));
        using var admin = factory.Admin();

        var response = await admin.PostAsync("/api/v1/admin/contracts/bulk", Bodies.Of(new { keys = keys[..2], action = "set-min-bid", minBid = 25m }));

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains(keys[1], ApiAssert.Errors(problem, $"{keys[1]}.maxBid").Single());
        var after = await ContractsAsync(buyer);
        Assert.Equal([null, 1m], keys[..2].Select(k => after.Single(c => c.Key == k).MinBid));
    }

    [Theory]
    [InlineData("""{ "keys": ["KEYS"], "action": "pause" }""", HttpStatusCode.UnprocessableEntity, "$.reason")]
    [InlineData("""{ "keys": ["KEYS"], "action": "explode" }""", HttpStatusCode.UnprocessableEntity, "$.action")]
    [InlineData("""{ "keys": ["KEYS"], "action": "set-min-bid", "minBid": -1 }""", HttpStatusCode.UnprocessableEntity, "$.minBid")]
    [InlineData("""{ "keys": ["KEYS"], "action": "set-min-bid", "minBid": 1.005 }""", HttpStatusCode.UnprocessableEntity, "$.minBid")]
    [InlineData("""{ "keys": ["KEYS"], "action": "set-caps", "caps": { "daily": -5 } }""", HttpStatusCode.UnprocessableEntity, null)]
    [InlineData("""{ "keys": [], "action": "resume" }""", HttpStatusCode.UnprocessableEntity, "$.keys")]
    [InlineData("""{ "keys": ["KEYS", "no-such-contract"], "action": "pause", "reason": "x" }""", HttpStatusCode.NotFound, "keys")]
    [InlineData("""{ "keys": "KEYS", "action": "pause" }""", HttpStatusCode.BadRequest, null)]
    [InlineData("""[1, 2]""", HttpStatusCode.BadRequest, null)]
    [InlineData("""not json""", HttpStatusCode.BadRequest, null)]
    public async Task Bad_input_gets_a_problem_and_changes_nothing(string json, HttpStatusCode status, string? errorKey)
    {
        var (buyer, keys) = await SetUpAsync();
        using var admin = factory.Admin();

        var response = await admin.PostAsync("/api/v1/admin/contracts/bulk", Bodies.Json(json.Replace("KEYS", keys[0])));

        var problem = await ApiAssert.ProblemAsync(response, status);
        if (errorKey is not null) Assert.NotEmpty(ApiAssert.Errors(problem, errorKey));
        var contract = (await ContractsAsync(buyer)).Single(c => c.Key == keys[0]);
        Assert.True(contract.Active);
        Assert.Null(contract.MinBid);
        Assert.DoesNotContain(await factory.AuditAsync(keys[0]), a => a.Actor == "admin-api");
    }
}
