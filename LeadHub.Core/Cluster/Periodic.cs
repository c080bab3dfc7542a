using Microsoft.Extensions.Logging;

namespace LeadHub.Core.Cluster;

public static class Periodic
{
    // Runs `work` every `interval` until stopped; a failed round is logged and the next one tries again.
    public static async Task RunAsync(TimeSpan interval, TimeProvider time, Func<CancellationToken, Task> work, ILogger log, string what,
        CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await work(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogWarning(e, "{What} failed; trying again in {Interval}", what, interval);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
