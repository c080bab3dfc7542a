using LeadHub.Bench;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace LeadHub.Tests.Bench;

// The storing baseline keeps LeadHub's promise or its figures mean nothing: what it acknowledged
// is committed (another connection reads it), the arrival before the final state.
public sealed class BaselineStoreTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leadhub-basestore-test-").FullName;

    [Fact]
    public async Task A_lead_the_storing_baseline_acknowledged_is_committed_with_its_final_state()
    {
        var path = Path.Combine(_dir, "baseline.db");
        await using (var store = BaselineStore.Open(path))
        {
            var arrived = store.ArriveAsync("lead-1", "auto", """{"phone":"5551234567"}""");
            await store.FinishAsync("lead-1", "sold", 12.34m);
            Assert.True(arrived.IsCompletedSuccessfully, "the final state was acknowledged before the arrival");
            Assert.Equal(("sold", "12.34", """{"phone":"5551234567"}"""), Read(path, "lead-1"));

            // A lead that arrived and was not sold: its row says so once the answer may go.
            await store.ArriveAsync("lead-2", "auto", "{}");
            Assert.Equal(("routing", null, "{}"), Read(path, "lead-2"));
            await store.FinishAsync("lead-2", "unsold", 0m);
            Assert.Equal("unsold", Read(path, "lead-2").Status);
        }
    }

    [Fact]
    public async Task Short_bench_measures_the_storing_baseline_beside_the_baseline()
    {
        var report = await BenchSmokeTests.RunPrintedAsync(new BenchOptions
        {
            Rate = 50, DurationSeconds = 2, WarmupSeconds = 1, PauseSeconds = 0,
            Buyers = 3, LatencyMeanMs = 5, LatencySdMs = 1,
            BaselineOnly = true, StoringBaselineChoice = true, Attempts = 1,
        }, output);

        var run = report.StoringBaseline!.Steps.Single(s => s.Phase == "run");
        Assert.Equal("BaseStore", run.Target);
        Assert.True(run.Sold > 0, "the storing baseline sold no lead");
        Assert.Equal(0L, run.Errors);
        Assert.Contains("BaseStore", Report.Summary(report));
    }

    private static (string Status, string? Price, string Fields) Read(string path, string id)
    {
        using var db = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var query = db.CreateCommand();
        query.CommandText = "SELECT Status, Price, Fields FROM Leads WHERE Id = $id";
        query.Parameters.AddWithValue("$id", id);
        using var reader = query.ExecuteReader();
        Assert.True(reader.Read(), $"lead {id} is not stored");
        return (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
