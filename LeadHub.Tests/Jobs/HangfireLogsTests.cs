using LeadHub.Web.Jobs;
using Microsoft.Extensions.Logging;
using HangfireLevel = Hangfire.Logging.LogLevel;

namespace LeadHub.Tests.Jobs;

// Hangfire's log provider is one for the whole process; a host that starts beside one just disposed
// must not fail on that host's logger factory (seen in CI: ObjectDisposedException at start).
public sealed class HangfireLogsTests
{
    [Fact]
    public void Loggers_of_a_live_host_log_and_those_of_a_disposed_host_are_silent_instead_of_failing_the_next_host()
    {
        var written = new List<string>();
        var factory = LoggerFactory.Create(b => b.AddProvider(new ListProvider(written)).SetMinimumLevel(LogLevel.Trace));
        var logs = new HangfireLogs(factory);
        var before = logs.GetLogger("Hangfire.Test");

        Assert.True(before.Log(HangfireLevel.Info, () => "while running"));
        Assert.Contains("while running", written);

        factory.Dispose();

        // A logger asked for now would come from the disposed factory: it is silent rather than a failure.
        Assert.False(logs.GetLogger("Hangfire.Later").Log(HangfireLevel.Info, () => "after"));
        Assert.DoesNotContain("after", written);
        // One made before keeps working as the framework's logger does.
        before.Log(HangfireLevel.Info, () => "made before");
    }

    private sealed class ListProvider(List<string> written) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(written);
        public void Dispose() { }
    }

    private sealed class ListLogger(List<string> written) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            written.Add(formatter(state, exception));
    }
}
