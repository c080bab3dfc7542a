using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;

namespace LeadHub.Tests.Delivery;

// "Try it": a real request to the buyer, the raw exchange back, and nothing sold or counted.
public sealed class ContractTrialTests(LeadHubFactory host) : IClassFixture<LeadHubFactory>
{
    private async Task<(string Contract, LoopbackBuyers Buyers, string Buyer)> ContractAsync(BuyerBehaviour behaviour)
    {
        var buyers = await LoopbackBuyers.StartAsync();
        var campaign = TestWorkspace.Campaign(TestWorkspace.Unique("try"));
        var buyer = TestWorkspace.Unique("tried");
        buyers.Set(buyer, behaviour);
        // Generous: the test is about what is returned, not about speed on a busy machine.
        var contract = TestWorkspace.PingPost(buyer + "-c", campaign.Key, buyers.PingUrl(buyer), buyers.PostUrl(buyer), timeoutMs: 5000) with
        {
            Caps = new CapsConfig { Daily = 1 },
        };
        await host.ImportAsync(new WorkspaceDocument { Campaigns = [campaign], Buyers = [TestWorkspace.Buyer(buyer, contract)] });
        return (contract.Key, buyers, buyer);
    }

    [Fact]
    public async Task Test_ping_returns_the_raw_exchange_and_the_parsed_bid()
    {
        var (contract, buyers, buyer) = await ContractAsync(new BuyerBehaviour { Ping = BuyerAnswer.Bid(17.25m) });
        await using var _ = buyers;
        using var admin = host.Admin();

        var response = await admin.PostAsJsonAsync($"/api/v1/admin/contracts/{contract}/try", new { phase = "ping" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("bid", result.GetProperty("outcome").GetString());
        Assert.Equal(17.25m, result.GetProperty("bid").GetDecimal());
        Assert.Equal(200, result.GetProperty("status").GetInt32());
        Assert.Contains("\"bid\":17.25", result.GetProperty("response").GetString());
        Assert.StartsWith($"POST {buyers.PingUrl(buyer)}", result.GetProperty("request").GetString());
        Assert.DoesNotContain("first_name", result.GetProperty("request").GetString()); // pings carry no PII
        Assert.True(result.GetProperty("latencyMs").GetInt32() >= 0);
    }

    [Fact]
    public async Task Test_post_sells_nothing_and_uses_no_cap()
    {
        var (contract, buyers, buyer) = await ContractAsync(new BuyerBehaviour { Post = BuyerAnswer.Accept() });
        await using var _ = buyers;
        using var admin = host.Admin();

        for (var i = 0; i < 2; i++)
        {
            var result = await (await admin.PostAsJsonAsync($"/api/v1/admin/contracts/{contract}/try", new { phase = "post", price = 9.5 }))
                .Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("accepted", result.GetProperty("outcome").GetString());
        }

        Assert.Equal(2, buyers.CallsTo(buyer, "post").Count); // a daily cap of 1 did not stop the second try
        Assert.Equal(9.5m, (decimal)buyers.CallsTo(buyer, "post")[0].Body["price"]!);
        var sold = await admin.GetFromJsonAsync<JsonElement>("/api/v1/admin/leads?status=sold");
        Assert.DoesNotContain(sold.GetProperty("items").EnumerateArray(), l => l.GetProperty("contract").GetString() == contract);
    }

    [Fact]
    public async Task Invalid_sample_lead_is_422_and_unknown_contract_404()
    {
        var (contract, buyers, buyer) = await ContractAsync(new BuyerBehaviour());
        await using var _ = buyers;
        using var admin = host.Admin();

        var invalid = await admin.PostAsJsonAsync($"/api/v1/admin/contracts/{contract}/try", new { phase = "ping", lead = new { phone = "12" } });
        var unknown = await admin.PostAsJsonAsync("/api/v1/admin/contracts/no-such-contract/try", new { phase = "ping" });
        var badPhase = await admin.PostAsJsonAsync($"/api/v1/admin/contracts/{contract}/try", new { phase = "dance" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        Assert.Contains("phone", await invalid.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badPhase.StatusCode);
        Assert.Empty(buyers.CallsTo(buyer, "ping"));
    }
}
