namespace LeadHub.Core.Leads;

// How much the runtime is still compiling, counted per slice: the sign a process has warmed up.
// Tiered compilation takes a hot method through two more compilations on one background thread;
// until that queue drains, code runs at a fraction of its warm speed. One definition of "quiet"
// for the node's warm-up (HotPathWarmUp) and the bench's own (BuyerFleet.WarmUpAsync).
public sealed class JitActivity
{
    public static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(500);

    // Fewer methods than this compiled in a slice: the JIT has caught up.
    public const int QuietPerSlice = 25;

    private long _last = System.Runtime.JitInfo.GetCompiledMethodCount();

    // Methods compiled since the previous call (or since this was made).
    public long CompiledSinceLast()
    {
        var now = System.Runtime.JitInfo.GetCompiledMethodCount();
        var compiled = now - _last;
        _last = now;
        return compiled;
    }

    public static bool IsQuiet(long compiledInSlice) => compiledInSlice < QuietPerSlice;
}
