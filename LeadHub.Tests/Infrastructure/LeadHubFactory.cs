using System.Net.Http.Headers;
using System.Net.Http.Json;
using LeadHub.Core.Workspace;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Infrastructure;

// The one host fixture: the real app on a real database of its own (a SQLite file, or PostgreSQL
// with LEADHUB_TEST_PROVIDER=Postgres), admin API on. Derived fixtures only add settings (e.g.
// the demo) on top. Hosts given one TestDatabase are nodes of one cluster; the first owns it.
public class LeadHubFactory : WebApplicationFactory<Program>
{
    public const string AdminToken = "test-admin-token-0123456789";
    private readonly bool _ownsDatabase;

    public LeadHubFactory() : this(TestDatabase.CreateDefault(), ownsDatabase: true) { }

    // xunit wants one public constructor on a fixture; a second node on a shared database comes from On().
    protected LeadHubFactory(TestDatabase database, bool ownsDatabase)
    {
        Database = database;
        _ownsDatabase = ownsDatabase;
    }

    public static LeadHubFactory On(TestDatabase database) => new(database, ownsDatabase: false);

    public TestDatabase Database { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("LeadHub:Database:Provider", Database.Provider);
        builder.UseSetting("ConnectionStrings:LeadHub", Database.ConnectionString);
        builder.UseSetting("LeadHub:AdminApiToken", AdminToken);
        builder.UseSetting("LeadHub:Demo", "false");
        // Recurring reviews are tested by calling their services; no job server in test hosts.
        builder.UseSetting("LeadHub:Jobs:RunServer", "false");
        // Test hosts are measured for behaviour, not speed; the warm-up has tests of its own.
        builder.UseSetting("LeadHub:WarmUpSeconds", "0");
        // A host on a database another host owns is a second node; on SQLite it would be refused (SqliteNodeLock).
        if (!_ownsDatabase) builder.UseSetting("LeadHub:Testing:ShareSqliteFile", "true");
        foreach (var (key, value) in ExtraSettings) builder.UseSetting(key, value);
    }

    protected virtual IEnumerable<KeyValuePair<string, string>> ExtraSettings => [];

    public WorkspaceService Workspace() => Services.GetRequiredService<WorkspaceService>();

    public HttpClient Admin()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return client;
    }

    public HttpClient Publisher(string apiKey)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    public async Task ImportAsync(WorkspaceDocument workspace)
    {
        using var admin = Admin();
        var response = await admin.PutAsJsonAsync("/api/v1/admin/workspace", workspace, WorkspaceJson.Options);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"Import failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsDatabase) await Database.DisposeAsync();
    }
}
