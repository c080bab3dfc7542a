using System.Text.Json;
using LeadHub.Core.Lab;
using LeadHub.Web.Jobs;

namespace LeadHub.Web.Api;

// The revenue lab's admin API (README "Revenue lab → Replay"): start a replay of a campaign's
// recorded leads under a routing plan, follow its progress, read its result.
public static class LabApi
{
    private const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapLabApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin/lab").WithTags("Admin API")
            .AddEndpointFilter(AdminApi.RequireAdminToken)
            .ProducesProblem(401);
        group.MapPost("/replays", StartAsync)
            .WithSummary("Replay a campaign's recorded leads of a range [from, to) under a routing plan; 202 with the replay's Location")
            .Accepts<ReplayRequest>("application/json")
            .Produces<LabReplayView>(202).ProducesValidationProblem(400);
        group.MapGet("/replays/{id:guid}", GetAsync)
            .WithSummary("A replay's state, progress (leads done of total) and, once done, its result: recorded vs plan with 95 % intervals")
            .Produces<LabReplayView>().ProducesProblem(404);
        group.MapGet("/replays", ListAsync).WithSummary("The latest replays, newest first, without their results")
            .Produces<IReadOnlyList<LabReplayView>>();
        return app;
    }

    private static async Task<IResult> StartAsync(HttpRequest http, LabReplays replays, LabReplayQueue queue, CancellationToken ct)
    {
        var bytes = await PublisherRequests.ReadBodyAsync(http, MaxBodyBytes);
        if (bytes is null)
            return PublisherRequests.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The body must be at most {MaxBodyBytes} bytes.");
        ReplayRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<ReplayRequest>(bytes, LabReplays.Json);
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 1 } path ? $" at {path}" : "";
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Malformed request",
                $"The body is not a replay request{where}: send {{ \"campaign\": key, \"from\": time, \"to\": time, \"plan\": {{ … }} }}.");
        }
        if (request is null)
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Malformed request", "The body must be a JSON object.");
        var (row, problems) = await replays.CreateAsync(request, "admin-api", ct);
        if (row is null)
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Invalid replay", $"{problems.Count} problem(s); nothing was queued.",
                problems.GroupBy(p => p.Path).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()));
        queue.Enqueue(row.Id);
        var view = await replays.GetAsync(row.Id, ct);
        return new Accepted(Results.Json(view, LabReplays.Json, statusCode: StatusCodes.Status202Accepted), $"/api/v1/admin/lab/replays/{row.Id}");
    }

    private static async Task<IResult> GetAsync(Guid id, LabReplays replays, CancellationToken ct) =>
        await replays.GetAsync(id, ct) is { } view
            ? Results.Json(view, LabReplays.Json)
            : PublisherRequests.Problem(StatusCodes.Status404NotFound, "Unknown replay", $"No replay {id}.");

    private static async Task<IResult> ListAsync(LabReplays replays, CancellationToken ct) =>
        Results.Json(await replays.ListAsync(ct: ct), LabReplays.Json);

    // A JSON body (with the result's NaN-safe options) and a Location header.
    private sealed class Accepted(IResult body, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.Headers.Location = location;
            return body.ExecuteAsync(http);
        }
    }
}
