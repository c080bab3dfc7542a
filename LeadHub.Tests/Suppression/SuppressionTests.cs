using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LeadHub.Core.Storage;
using LeadHub.Core.Suppression;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Api;
using LeadHub.Tests.Infrastructure;
using LeadHub.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Suppression;

// Suppression lists (README "Suppression and consent"): a lead on a global or campaign list is
// stored, answered `unsold` with reasonCode `suppressed` and offered to nobody; a buyer's own list
// only keeps that buyer away. Lists hold keyed hashes, never the values.
public class SuppressionTests(LeadHubFactory factory) : IClassFixture<LeadHubFactory>
{
    private static int _number;

    // A phone no other test's lead uses (TestWorkspace's leads use 415 2xx xxxx): "+1 212 2nn nnnn".
    private static string NewPhone()
    {
        var n = Interlocked.Increment(ref _number) + Random.Shared.Next(0, 500_000);
        return $"+1 212 2{n / 10000 % 100:00} {n % 10000:0000}";
    }

    // The same number as a person types it at home, and as E.164.
    private static string Local(string phone) => $"(212) {phone[7..10]}-{phone[11..]}";
    private static string E164(string phone) => "+1212" + phone[7..10] + phone[11..];

    private async Task<string> CreateListAsync(string scope, string? target = null, string kind = "dnc")
    {
        var key = TestWorkspace.Unique("dnc");
        using var admin = factory.Admin();
        var response = await admin.PutAsJsonAsync($"/api/v1/admin/suppression/lists/{key}",
            new { name = "List " + key, kind, scope, target });
        await ApiAssert.OkJsonAsync(response);
        return key;
    }

    private async Task AddAsync(string list, string? phone = null, string? email = null)
    {
        using var admin = factory.Admin();
        await ApiAssert.OkJsonAsync(await admin.PostAsJsonAsync($"/api/v1/admin/suppression/lists/{list}/entries", new { phone, email }));
    }

    private static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");

    [Fact]
    public async Task Lead_on_a_global_list_is_stored_unsold_suppressed_and_no_buyer_is_pinged()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(factory, buyers);
        var list = await CreateListAsync(SuppressionScopes.Global);
        var phone = NewPhone();
        // Entered in another format than the lead's: both are normalised to E.164 before hashing.
        await AddAsync(list, phone: Local(phone));
        using var client = factory.Publisher(s.ApiKey);

        var answer = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign, new { phone })));

        Assert.Equal("unsold", answer.GetProperty("status").GetString());
        Assert.Equal("suppressed", answer.GetProperty("reasonCode").GetString());
        Assert.Equal(0m, answer.GetProperty("payout").GetDecimal());
        Assert.Empty(buyers.Calls);
        var stored = await AdminReads.LeadAsync(factory, answer.GetProperty("leadId").GetGuid());
        Assert.Equal("unsold", stored.GetProperty("status").GetString());
        var trace = stored.GetProperty("trace").EnumerateArray().Select(t => t.GetProperty("reason").GetString() ?? "").ToList();
        Assert.Contains(trace, r => r.Contains("suppressed by list List " + list));

        // A lead with another phone and email is sold as usual.
        var other = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign)));
        Assert.Equal("sold", other.GetProperty("status").GetString());
        Assert.False(other.TryGetProperty("reasonCode", out _), "a sold lead has no reasonCode from suppression");
    }

    [Fact]
    public async Task Campaign_list_suppresses_its_campaign_only()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var listed = await ApiScenario.CreateAsync(factory, buyers);
        var other = await ApiScenario.CreateAsync(factory, buyers);
        var list = await CreateListAsync(SuppressionScopes.Campaign, listed.Campaign, kind: "litigator");
        var email = $"litigator.{Guid.NewGuid():N}@example.com";
        await AddAsync(list, email: email.ToUpperInvariant());

        using (var client = factory.Publisher(other.ApiKey))
        {
            var sold = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(other.Campaign, new { email })));
            Assert.Equal("sold", sold.GetProperty("status").GetString());
        }
        using (var client = factory.Publisher(listed.ApiKey))
        {
            var stopped = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(listed.Campaign, new { email })));
            Assert.Equal("unsold", stopped.GetProperty("status").GetString());
            Assert.Equal("suppressed", stopped.GetProperty("reasonCode").GetString());
        }
        Assert.Empty(buyers.CallsTo(listed.Buyer, "ping"));
        Assert.Single(buyers.CallsTo(other.Buyer, "ping"));
    }

    [Fact]
    public async Task Buyer_list_keeps_only_that_buyer_away_and_the_publisher_never_learns_which()
    {
        await using var buyers = await LoopbackBuyers.StartAsync();
        var campaign = TestWorkspace.Unique("camp");
        var (pub, apiKey) = (TestWorkspace.Unique("pub"), ApiScenario.NewApiKey());
        var (high, low) = (TestWorkspace.Unique("high"), TestWorkspace.Unique("low"));
        await factory.ImportAsync(new WorkspaceDocument
        {
            Campaigns = [TestWorkspace.Campaign(campaign, auctionTimeoutMs: 10_000)],
            Publishers = [TestWorkspace.Publisher(pub, apiKey, campaign)],
            Buyers =
            [
                TestWorkspace.Buyer(high, TestWorkspace.PingPost(high + "-c", campaign, buyers.PingUrl(high), buyers.PostUrl(high), timeoutMs: 10_000)),
                TestWorkspace.Buyer(low, TestWorkspace.PingPost(low + "-c", campaign, buyers.PingUrl(low), buyers.PostUrl(low), timeoutMs: 10_000)),
            ],
        });
        buyers.Set(high, new BuyerBehaviour { Ping = BuyerAnswer.Bid(30), Post = BuyerAnswer.Accept() });
        buyers.Set(low, new BuyerBehaviour { Ping = BuyerAnswer.Bid(10), Post = BuyerAnswer.Accept() });
        var list = await CreateListAsync(SuppressionScopes.Buyer, high);
        var phone = NewPhone();
        await AddAsync(list, phone: phone);
        using var client = factory.Publisher(apiKey);

        var response = await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(campaign, new { phone }));

        var answer = await ApiAssert.OkJsonAsync(response);
        Assert.Equal("sold", answer.GetProperty("status").GetString());
        Assert.Equal(7.00m, answer.GetProperty("payout").GetDecimal()); // 70 % of the low buyer's 10.00
        Assert.DoesNotContain(high, answer.GetRawText());
        Assert.DoesNotContain(list, answer.GetRawText());
        Assert.Empty(buyers.CallsTo(high, "ping"));
        Assert.Single(buyers.CallsTo(low, "post"));
        var stored = await AdminReads.LeadAsync(factory, answer.GetProperty("leadId").GetGuid());
        var skipped = stored.GetProperty("trace").EnumerateArray().Single(t => t.GetProperty("buyer").GetString() == high);
        Assert.Equal("skipped", skipped.GetProperty("outcome").GetString());
        Assert.Equal("suppressed by list List " + list, skipped.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Lists_store_only_keyed_hashes_never_the_values()
    {
        var list = await CreateListAsync(SuppressionScopes.Global);
        var phone = NewPhone();
        var email = $"private.{Guid.NewGuid():N}@example.com";
        await AddAsync(list, phone: phone, email: email);
        using (var admin = factory.Admin())
        {
            var upload = await admin.PostAsync($"/api/v1/admin/suppression/lists/{list}/upload?apply=true",
                Csv($"phone,email\n{NewPhone()},\n,{email}\n"));
            await ApiAssert.OkJsonAsync(upload);
        }

        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        var hashes = await db.SuppressionEntries.Where(e => e.ListKey == list).Select(e => e.Hash).ToListAsync();
        Assert.Equal(3, hashes.Count);
        Assert.All(hashes, h => Assert.Equal(32, h.Length));
        var e164 = E164(phone);
        // Not a plain SHA-256 of the value (anyone could hash every phone number and compare): keyed.
        Assert.DoesNotContain(hashes, h => h.SequenceEqual(SHA256.HashData(Encoding.UTF8.GetBytes(e164))));
        Assert.DoesNotContain(hashes, h => h.SequenceEqual(SHA256.HashData(Encoding.UTF8.GetBytes(email))));
        Assert.Contains(hashes, h => h.SequenceEqual(factory.Services.GetRequiredService<SuppressionHasher>().Hash(e164)));
        var audit = await db.Audit.Where(a => a.EntityKey == list).ToListAsync();
        Assert.NotEmpty(audit);
        Assert.All(audit, a => Assert.DoesNotContain(email, (a.Before ?? "") + a.After));
        Assert.All(audit, a => Assert.DoesNotContain(phone[^4..], (a.Before ?? "") + a.After));

        using var client = factory.Admin();
        var lists = await ApiAssert.OkJsonAsync(await client.GetAsync("/api/v1/admin/suppression/lists"));
        Assert.DoesNotContain(email, lists.GetRawText());
        var mine = lists.EnumerateArray().Single(l => l.GetProperty("key").GetString() == list);
        Assert.Equal(3, mine.GetProperty("entries").GetInt32());
        Assert.Equal("admin-api", mine.GetProperty("lastUploadBy").GetString());
    }

    [Fact]
    public async Task Upload_preview_counts_rows_and_names_invalid_lines_without_changing_the_list()
    {
        var list = await CreateListAsync(SuppressionScopes.Global);
        var a = NewPhone();
        var csv = $"""
                   Phone Number;E-mail
                   {a};
                   ;someone.{Guid.NewGuid():N}@example.com
                   12345;
                   {Local(a)};
                   ;not-an-email
                   ;
                   """;
        using var admin = factory.Admin();

        var preview = await ApiAssert.OkJsonAsync(await admin.PostAsync($"/api/v1/admin/suppression/lists/{list}/upload", Csv(csv)));

        Assert.Equal(6, preview.GetProperty("rowsRead").GetInt32());
        Assert.Equal(3, preview.GetProperty("validRows").GetInt32());
        Assert.Equal(3, preview.GetProperty("invalidRows").GetInt32());
        Assert.Equal(1, preview.GetProperty("duplicates").GetInt32());
        Assert.Equal(2, preview.GetProperty("entries").GetInt32());
        var invalid = preview.GetProperty("invalid").EnumerateArray().Select(i => (i.GetProperty("line").GetInt32(), i.GetProperty("why").GetString())).ToList();
        Assert.Equal([(4, "not a valid phone number"), (6, "not a valid email address"), (7, "no phone or email")], invalid);
        Assert.DoesNotContain("not-an-email", preview.GetRawText());
        Assert.Equal(JsonValueKind.Null, preview.GetProperty("applied").ValueKind);
        var lists = factory.Services.GetRequiredService<SuppressionLists>();
        Assert.Empty(lists.Lookup(a, null));
        var view = await factory.Services.GetRequiredService<SuppressionService>().GetAsync(list);
        Assert.Equal(0, view!.Entries);
    }

    [Fact]
    public async Task Upload_add_joins_the_list_and_replace_makes_it_exactly_the_file()
    {
        var list = await CreateListAsync(SuppressionScopes.Global);
        var (a, b, c) = (NewPhone(), NewPhone(), NewPhone());
        var lists = factory.Services.GetRequiredService<SuppressionLists>();
        using var admin = factory.Admin();
        async Task<JsonElement> UploadAsync(string mode, params string[] phones) => await ApiAssert.OkJsonAsync(
            await admin.PostAsync($"/api/v1/admin/suppression/lists/{list}/upload?apply=true&mode={mode}", Csv("phone\n" + string.Join("\n", phones))));

        var first = await UploadAsync("add", a, b);
        Assert.Equal(2, first.GetProperty("applied").GetProperty("entries").GetInt32());
        var second = await UploadAsync("add", b, c);
        Assert.Equal(1, second.GetProperty("applied").GetProperty("added").GetInt32());
        Assert.Equal(3, second.GetProperty("applied").GetProperty("entries").GetInt32());
        Assert.All(new[] { a, b, c }, p => Assert.NotEmpty(lists.Lookup(p, null)));

        var replaced = await UploadAsync("replace", c);

        Assert.Equal(2, replaced.GetProperty("applied").GetProperty("removed").GetInt32());
        Assert.Equal(1, replaced.GetProperty("applied").GetProperty("entries").GetInt32());
        Assert.Empty(lists.Lookup(a, null));
        Assert.Empty(lists.Lookup(b, null));
        var check = await ApiAssert.OkJsonAsync(await admin.PostAsJsonAsync("/api/v1/admin/suppression/check", new { phone = c }));
        Assert.True(check.GetProperty("suppressed").GetBoolean());
        Assert.Equal(list, check.GetProperty("lists")[0].GetProperty("key").GetString());

        // Removing the single entry and deleting the list both take effect at once.
        await ApiAssert.OkJsonAsync(await admin.PostAsJsonAsync($"/api/v1/admin/suppression/lists/{list}/entries/remove", new { phone = c }));
        Assert.Empty(lists.Lookup(c, null));
        await UploadAsync("add", a);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/admin/suppression/lists/{list}")).StatusCode);
        Assert.Empty(lists.Lookup(a, null));
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        Assert.False(await db.SuppressionEntries.AnyAsync(e => e.ListKey == list));
    }

    [Fact]
    public async Task Bad_uploads_and_requests_get_problem_details_and_change_nothing()
    {
        var list = await CreateListAsync(SuppressionScopes.Global);
        var phone = NewPhone();
        using var admin = factory.Admin();
        var url = $"/api/v1/admin/suppression/lists/{list}/upload?apply=true";

        var noColumn = await ApiAssert.ProblemAsync(await admin.PostAsync(url, Csv($"name,zip\nAna,{phone}\n")), HttpStatusCode.BadRequest);
        Assert.Contains("'phone'", noColumn.GetProperty("detail").GetString());
        await ApiAssert.ProblemAsync(await admin.PostAsync(url, Csv($"phone\n\"{phone}\n")), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await admin.PostAsync(url, Csv("")), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await admin.PostAsync(url, Csv("phone\n")), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await admin.PostAsync(url + "&mode=merge", Csv($"phone\n{phone}\n")), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await admin.PostAsync($"/api/v1/admin/suppression/lists/{list}/upload?apply=maybe", Csv($"phone\n{phone}\n")), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await admin.PostAsync("/api/v1/admin/suppression/lists/no-such-list/upload", Csv($"phone\n{phone}\n")), HttpStatusCode.NotFound);
        var huge = Csv("phone\n");
        huge.Headers.ContentLength = SuppressionFile.MaxBytes + 1;
        await ApiAssert.ProblemAsync(await admin.PostAsync(url, huge), HttpStatusCode.RequestEntityTooLarge);

        var badEntry = await ApiAssert.ProblemAsync(
            await admin.PostAsJsonAsync($"/api/v1/admin/suppression/lists/{list}/entries", new { phone = "12", email = "nope" }), HttpStatusCode.UnprocessableEntity);
        Assert.NotEmpty(ApiAssert.Errors(badEntry, "phone"));
        Assert.NotEmpty(ApiAssert.Errors(badEntry, "email"));
        await ApiAssert.ProblemAsync(await admin.PostAsJsonAsync($"/api/v1/admin/suppression/lists/{list}/entries", new { }), HttpStatusCode.UnprocessableEntity);
        await ApiAssert.ProblemAsync(await admin.PostAsync($"/api/v1/admin/suppression/lists/{list}/entries", Bodies.Json("[1,2")), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await admin.PostAsJsonAsync("/api/v1/admin/suppression/lists/no-such-list/entries", new { phone }), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await admin.PostAsJsonAsync("/api/v1/admin/suppression/check", new { }), HttpStatusCode.UnprocessableEntity);
        await ApiAssert.ProblemAsync(await admin.DeleteAsync("/api/v1/admin/suppression/lists/no-such-list"), HttpStatusCode.NotFound);

        var badList = await ApiAssert.ProblemAsync(await admin.PutAsJsonAsync("/api/v1/admin/suppression/lists/Bad Key!",
            new { name = "", scope = "galaxy" }), HttpStatusCode.UnprocessableEntity);
        Assert.NotEmpty(ApiAssert.Errors(badList, "key"));
        Assert.NotEmpty(ApiAssert.Errors(badList, "scope"));
        var noTarget = await ApiAssert.ProblemAsync(await admin.PutAsJsonAsync("/api/v1/admin/suppression/lists/x-list",
            new { name = "x", scope = "campaign", target = "no-such-campaign" }), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("no-such-campaign", ApiAssert.Errors(noTarget, "target")[0]);

        using var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/admin/suppression/lists")).StatusCode);
        var view = await factory.Services.GetRequiredService<SuppressionService>().GetAsync(list);
        Assert.Equal(0, view!.Entries);
    }

    [Fact]
    public async Task A_file_over_the_size_limit_is_refused_while_it_is_read()
    {
        var hasher = factory.Services.GetRequiredService<SuppressionHasher>();
        await hasher.EnsureKeyAsync();
        using var big = new MemoryStream(Encoding.UTF8.GetBytes("phone\n" + string.Concat(Enumerable.Repeat("+12125550100\n", 1000))));

        var e = await Assert.ThrowsAsync<SuppressionFileException>(() => SuppressionFile.ReadAsync(big, hasher, maxBytes: 1024));

        Assert.Contains("larger than", e.Message);
    }

    [Fact]
    public async Task Hundred_thousand_entries_load_into_eight_bytes_each_and_still_suppress()
    {
        var list = await CreateListAsync(SuppressionScopes.Global);
        var csv = new StringBuilder("phone\n");
        for (var i = 0; i < 100_000; i++) csv.Append("+1 646 2").Append((i / 10000).ToString("00")).Append(' ').Append((i % 10000).ToString("0000")).Append('\n');
        using var admin = factory.Admin();

        var upload = await ApiAssert.OkJsonAsync(await admin.PostAsync($"/api/v1/admin/suppression/lists/{list}/upload?apply=true&mode=replace", Csv(csv.ToString())));

        Assert.Equal(100_000, upload.GetProperty("applied").GetProperty("entries").GetInt32());
        var loaded = factory.Services.GetRequiredService<SuppressionLists>().Current.Lists[list];
        Assert.Equal(100_000, loaded.Hashes.Length);
        Assert.Equal(800_000, loaded.Hashes.Length * sizeof(ulong)); // 8 MB per million entries
        Assert.NotEmpty(factory.Services.GetRequiredService<SuppressionLists>().Lookup("(646) 209-9999", null));
        Assert.Empty(factory.Services.GetRequiredService<SuppressionLists>().Lookup("(646) 310-0000", null));
    }

    [Fact]
    public async Task Another_node_picks_up_a_list_change_without_a_restart()
    {
        await using var db = TestDatabase.CreateDefault();
        await using var a = LeadHubFactory.On(db);
        await using var b = LeadHubFactory.On(db);
        _ = a.Services;
        _ = b.Services;
        await using var buyers = await LoopbackBuyers.StartAsync();
        var s = await ApiScenario.CreateAsync(a, buyers);
        var phone = NewPhone();
        var onB = b.Services.GetRequiredService<SuppressionLists>();
        Assert.Empty(onB.Lookup(phone, null));

        var list = TestWorkspace.Unique("dnc");
        using (var admin = a.Admin())
        {
            await ApiAssert.OkJsonAsync(await admin.PutAsJsonAsync($"/api/v1/admin/suppression/lists/{list}", new { name = list, scope = "global" }));
            await ApiAssert.OkJsonAsync(await admin.PostAsJsonAsync($"/api/v1/admin/suppression/lists/{list}/entries", new { phone }));
        }

        await Until(() => onB.Lookup(phone, null).Count > 0, "node B never loaded the new entry");
        await Until(() => b.Services.GetRequiredService<RoutingSnapshotHolder>().Current.Campaigns.ContainsKey(s.Campaign), "node B never loaded the campaign");
        using var client = b.Publisher(s.ApiKey);
        var answer = await ApiAssert.OkJsonAsync(await client.PostAsJsonAsync("/api/v1/leads", TestWorkspace.Lead(s.Campaign, new { phone })));
        Assert.Equal("suppressed", answer.GetProperty("reasonCode").GetString());
        Assert.Empty(buyers.Calls);
    }

    private static async Task Until(Func<bool> condition, string message)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, message);
            await Task.Delay(50);
        }
    }
}
