using LeadHub.Core.Delivery;
using LeadHub.Core.Routing;
using LeadHub.Tests.Routing;

namespace LeadHub.Tests.Delivery;

public sealed class BuyerHealthTests
{
    private static AuctionScenario Scenario(Func<LeadHub.Core.Workspace.ContractConfig, LeadHub.Core.Workspace.ContractConfig> flaky) =>
        new AuctionScenario().Contracts(flaky(AuctionScenario.PingPost("flaky")), AuctionScenario.PingPost("steady"));

    [Fact]
    public async Task Contract_failing_five_times_in_a_row_is_skipped_with_circuit_open()
    {
        var s = Scenario(c => c with { BreakAfterFailures = 5, BreakCoolDownSeconds = 30 });
        s.Transport.PingFails("flaky").Bids("steady", 5).Accepts("steady");

        for (var i = 0; i < 5; i++) await s.RunAsync().Within();
        var sixth = await s.RunAsync().Within();

        var step = sixth.PingStep("flaky");
        Assert.Equal(TraceOutcomes.Skipped, step.Outcome);
        Assert.Equal("circuit-open", step.Reason);
        Assert.Equal(5, s.Transport.PingsTo("flaky").Count);
        Assert.Equal("steady", sixth.Winner!.Contract.Key);
    }

    [Fact]
    public async Task After_the_cool_down_one_probe_is_sent_and_a_good_answer_closes_the_circuit()
    {
        var s = Scenario(c => c with { BreakAfterFailures = 2, BreakCoolDownSeconds = 30 });
        s.Transport.PingFails("flaky").Passes("steady");
        await s.RunAsync().Within();
        await s.RunAsync().Within();

        s.Time.Advance(TimeSpan.FromSeconds(31));
        s.Transport.Bids("flaky", 9).Accepts("flaky");
        var probe = await s.RunAsync().Within();
        var after = await s.RunAsync().Within();

        Assert.Equal(TraceOutcomes.Bid, probe.PingStep("flaky").Outcome);
        Assert.Equal(TraceOutcomes.Bid, after.PingStep("flaky").Outcome);
        Assert.Equal("closed", s.Health.Report(s.Snapshot).Single(h => h.Contract == "flaky").Circuit);
    }

    [Fact]
    public async Task A_failed_probe_opens_the_circuit_again()
    {
        var s = Scenario(c => c with { BreakAfterFailures = 2, BreakCoolDownSeconds = 30 });
        s.Transport.PingFails("flaky").Passes("steady");
        await s.RunAsync().Within();
        await s.RunAsync().Within();

        s.Time.Advance(TimeSpan.FromSeconds(31));
        await s.RunAsync().Within();
        var next = await s.RunAsync().Within();

        Assert.Equal("circuit-open", next.PingStep("flaky").Reason);
        Assert.Equal(3, s.Transport.PingsTo("flaky").Count);
    }

    [Fact]
    public async Task Passes_and_rejections_are_healthy_answers_and_never_open_the_circuit()
    {
        var s = Scenario(c => c with { BreakAfterFailures = 2 });
        s.Transport.Bids("flaky", 9).Rejects("flaky").Passes("steady");

        for (var i = 0; i < 4; i++) await s.RunAsync().Within();

        Assert.Equal(4, s.Transport.PingsTo("flaky").Count);
    }

    [Fact]
    public async Task Pings_beyond_the_per_second_limit_are_skipped_and_counted()
    {
        var s = Scenario(c => c with { MaxPingsPerSecond = 2 });
        s.Transport.Passes("flaky").Passes("steady");

        await s.RunAsync().Within();
        await s.RunAsync().Within();
        var third = await s.RunAsync().Within();
        s.Time.Advance(TimeSpan.FromSeconds(1));
        var nextSecond = await s.RunAsync().Within();

        Assert.Equal(TraceOutcomes.Skipped, third.PingStep("flaky").Outcome);
        Assert.Equal("ping limit: 2 per second", third.PingStep("flaky").Reason);
        Assert.Equal(TraceOutcomes.Pass, nextSecond.PingStep("flaky").Outcome);
        Assert.Equal(1, s.Health.Report(s.Snapshot).Single(h => h.Contract == "flaky").SkippedPings);
    }

    [Fact]
    public async Task Pings_beyond_the_per_minute_limit_are_skipped_until_the_next_minute()
    {
        var s = Scenario(c => c with { MaxPingsPerMinute = 3 });
        s.Transport.Passes("flaky").Passes("steady");

        for (var i = 0; i < 3; i++)
        {
            await s.RunAsync().Within();
            s.Time.Advance(TimeSpan.FromSeconds(5));
        }
        var fourth = await s.RunAsync().Within();
        s.Time.Advance(TimeSpan.FromMinutes(1));
        var later = await s.RunAsync().Within();

        Assert.Equal("ping limit: 3 per minute", fourth.PingStep("flaky").Reason);
        Assert.Equal(TraceOutcomes.Pass, later.PingStep("flaky").Outcome);
    }

    [Fact]
    public async Task Post_errors_past_the_daily_limit_request_a_pause_once()
    {
        var s = Scenario(c => c with { MaxPostErrors = 2, BreakAfterFailures = 0 });
        s.Transport.Bids("flaky", 9).PostFails("flaky").Passes("steady");
        var pauses = new List<(string Contract, string Reason)>();
        s.Health.PauseRequested += (contract, reason) => pauses.Add((contract, reason));

        for (var i = 0; i < 4; i++) await s.RunAsync().Within();

        var pause = Assert.Single(pauses);
        Assert.Equal("flaky", pause.Contract);
        Assert.Contains("limit 2", pause.Reason);
    }
}
