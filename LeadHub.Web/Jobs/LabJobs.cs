using Microsoft.Extensions.DependencyInjection;
using Hangfire;
using LeadHub.Core.Lab;

namespace LeadHub.Web.Jobs;

// The revenue lab's replay as a background job. Its state and progress live in the LabReplays
// table, so the portal and the API read them without asking Hangfire; a failed replay is marked
// failed there and not retried (a manager starts it again).
public sealed class LabJobs(LabReplays replays)
{
    [AutomaticRetry(Attempts = 0)]
    public Task Replay(Guid id) => replays.RunAsync(id);
}

// Queues the job for a replay LabReplays.CreateAsync stored: the one way the API and the portal start
// one (portal tests put a recording queue in its place; test hosts run no job server).
// Hangfire's client is resolved when a replay is queued, not when the request is bound: the API
// binds its services before the admin-token filter runs, and resolving the client there opened
// Hangfire's storage for every request, malformed or unauthenticated ones too, which answered 500
// when opening it failed (three such 500s in each of two full test runs, one of them CI).
public class LabReplayQueue(IServiceProvider services)
{
    public virtual void Enqueue(Guid id) => services.GetRequiredService<IBackgroundJobClient>().Enqueue<LabJobs>(j => j.Replay(id));
}
