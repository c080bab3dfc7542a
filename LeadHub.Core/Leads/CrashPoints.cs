using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace LeadHub.Core.Leads;

// Test hook of the crash-point suite: `LeadHub:Testing:CrashAt` names a step of a lead's journey
// and the first lead to reach it ends the process there, with no graceful shutdown (like kill -9).
// Read only in the Testing environment, so no production setting can arm it.
public sealed class CrashPoints(IConfiguration config, IHostEnvironment env)
{
    public const string AfterReceive = "after-receive", AfterPings = "after-pings", AfterPostIntent = "after-post-intent",
        AfterBuyerAnswered = "after-buyer-answered", BeforeFinish = "before-finish",
        // Pings went out while the lead was being stored, and the auction now waits for that write.
        PingsBeforeStored = "pings-before-stored";

    private readonly string? _armed = env.IsEnvironment("Testing") ? config["LeadHub:Testing:CrashAt"] : null;

    // `LeadHub:Testing:HoldReceiveMs` (Testing only) delays every commit that stores new leads, so a
    // test can see pings leave before the lead is stored, and crash in between, every time.
    private readonly TimeSpan _holdReceive = TimeSpan.FromMilliseconds(
        env.IsEnvironment("Testing") ? config.GetValue<int?>("LeadHub:Testing:HoldReceiveMs") ?? 0 : 0);

    public Task HoldReceiveAsync() => _holdReceive > TimeSpan.Zero ? Task.Delay(_holdReceive) : Task.CompletedTask;

    // `LeadHub:Testing:HoldDedupeReadMs` (Testing only) delays the dedupe read before the pings, so a
    // test can have a lead's own write commit before that read runs; `LeadHub:Testing:FailDedupeRead`
    // makes that read fail, as a dropped database connection would.
    private readonly TimeSpan _holdDedupeRead = TimeSpan.FromMilliseconds(
        env.IsEnvironment("Testing") ? config.GetValue<int?>("LeadHub:Testing:HoldDedupeReadMs") ?? 0 : 0);
    private readonly bool _failDedupeRead = env.IsEnvironment("Testing") && config.GetValue<bool>("LeadHub:Testing:FailDedupeRead");

    public async Task HoldDedupeReadAsync()
    {
        if (_holdDedupeRead > TimeSpan.Zero) await Task.Delay(_holdDedupeRead);
        if (_failDedupeRead) throw new InvalidOperationException("LeadHub:Testing:FailDedupeRead");
    }

    public void Reached(string point)
    {
        // SIGKILL to itself: nothing runs after this line, not even the writer's drain on shutdown.
        if (_armed != point) return;
        System.Diagnostics.Process.GetCurrentProcess().Kill();
        Environment.FailFast("LeadHub:Testing:CrashAt=" + point);
    }
}
