using Hangfire.AspNetCore;
using Hangfire.Logging;

namespace LeadHub.Web.Jobs;

// Hangfire keeps one log provider for the whole process (a static), which every host sets to its own
// logger factory as it starts. Test hosts side by side in one process then asked a host disposed a
// moment before for their loggers, and one failed to start (ObjectDisposedException in CI). A logger
// asked of a disposed factory logs nothing instead; in production that is only after shutdown.
public sealed class HangfireLogs(ILoggerFactory loggers) : ILogProvider
{
    private readonly AspNetCoreLogProvider _inner = new(loggers);

    public ILog GetLogger(string name)
    {
        try
        {
            return _inner.GetLogger(name);
        }
        catch (ObjectDisposedException)
        {
            return Silent.Instance;
        }
    }

    private sealed class Silent : ILog
    {
        public static readonly Silent Instance = new();
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
