using Hangfire;
using LeadHub.Core.Maintenance;
using LeadHub.Core.Returns;
using LeadHub.Core.Reviews;

namespace LeadHub.Web.Jobs;

// Thin Hangfire entry points: each calls one Core service. State lives in LeadHub's tables, so
// the in-memory job storage losing its queue on restart loses nothing.
[DisableConcurrentExecution(timeoutInSeconds: 60)]
public sealed class ReviewJobs(TrafficReviews reviews, Housekeeping housekeeping, ReturnReview returnReview)
{
    public Task ReturnReview() => returnReview.RunAsync();
    public Task RejectReview() => reviews.RejectReviewAsync();
    public Task SourceReview() => reviews.SourceReviewAsync();
    public Task PingFatigueReview() => reviews.PingFatigueReviewAsync();
    public Task FallbackReview() => reviews.FallbackReviewAsync();
    public Task Housekeeping() => housekeeping.RunAsync();

    public static void Schedule(IRecurringJobManager jobs)
    {
        jobs.AddOrUpdate<ReviewJobs>("return-review", j => j.ReturnReview(), "*/10 * * * *");
        jobs.AddOrUpdate<ReviewJobs>("reject-review", j => j.RejectReview(), "*/5 * * * *");
        jobs.AddOrUpdate<ReviewJobs>("source-review", j => j.SourceReview(), "*/15 * * * *");
        jobs.AddOrUpdate<ReviewJobs>("ping-fatigue-review", j => j.PingFatigueReview(), "0 * * * *");
        jobs.AddOrUpdate<ReviewJobs>("fallback-route-review", j => j.FallbackReview(), "0 6 * * *");
        jobs.AddOrUpdate<ReviewJobs>("housekeeping", j => j.Housekeeping(), "*/5 * * * *");
    }
}
