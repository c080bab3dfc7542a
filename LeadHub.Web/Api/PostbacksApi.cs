using System.Text.Json;
using LeadHub.Core.Postbacks;
using LeadHub.Core.Validation;
using LeadHub.Core.Workspace;

namespace LeadHub.Web.Api;

// The postback delivery log for scripts (README "Postbacks"): list, retry now, send a test.
public static class PostbacksApi
{
    private const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapPostbacksApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin").WithTags("Admin API")
            .AddEndpointFilter(AdminApi.RequireAdminToken)
            .ProducesProblem(401);
        group.MapGet("/postbacks", List).WithSummary("The postback delivery log, newest first (filter by publisher, state, lead)")
            .Produces<PostbackPage>().ProducesValidationProblem(400);
        group.MapPost("/postbacks/{id:long}/retry", Retry).WithSummary("Send a failed or waiting postback again now, with a fresh set of attempts")
            .Produces<RetryAnswer>().ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/publishers/{key}/postbacks/test", Test)
            .WithSummary("Send one test postback (sample values) with the publisher's template for an event, or the template given; nothing is stored")
            .Accepts<TestRequest>("application/json")
            .Produces<PostbackAttempt>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(413);
        return app;
    }

    public sealed record RetryAnswer(long Id, string State);

    // `template` null: the publisher's saved template for `event`.
    public sealed record TestRequest(string? Event, PostbackTemplate? Template);

    private static async Task<IResult> List(string? publisher, string? state, string? leadId, string? skip, string? take, PostbackQueries queries,
        CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (state is { Length: > 0 } && !PostbackStates.All.Contains(state)) errors["state"] = [$"must be one of {string.Join(", ", PostbackStates.All)}"];
        Guid? lead = null;
        if (leadId is { Length: > 0 }) { if (Guid.TryParse(leadId, out var g)) lead = g; else errors["leadId"] = ["must be a lead id (GUID)"]; }
        var from = 0;
        if (skip is { Length: > 0 } && (!int.TryParse(skip, out from) || from < 0)) errors["skip"] = ["must be a whole number ≥ 0"];
        var count = 100;
        if (take is { Length: > 0 } && (!int.TryParse(take, out count) || count is < 1 or > PostbackQueries.MaxTake))
            errors["take"] = [$"must be between 1 and {PostbackQueries.MaxTake}"];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, "Nothing was listed; fix the parameters named in `errors`.", title: "Bad query");
        return TypedResults.Ok(await queries.ListAsync(new PostbackFilter(publisher, state, lead, from, count), ct));
    }

    private static async Task<IResult> Retry(long id, PostbackOutbox outbox, CancellationToken ct) =>
        await outbox.RetryNowAsync(id, ct) switch
        {
            RetryOutcome.Retrying => TypedResults.Ok(new RetryAnswer(id, PostbackStates.Pending)),
            RetryOutcome.NotFound => PublisherRequests.Problem(StatusCodes.Status404NotFound, "Unknown postback", $"There is no postback {id}."),
            RetryOutcome.AlreadyDelivered => PublisherRequests.Problem(StatusCodes.Status409Conflict, "Already delivered",
                $"Postback {id} was delivered; it is not sent again."),
            _ => PublisherRequests.Problem(StatusCodes.Status409Conflict, "Being sent", $"Postback {id} is being sent right now; look again in a moment."),
        };

    private static async Task<IResult> Test(string key, HttpRequest request, RoutingSnapshotHolder snapshots, PostbackOutbox outbox, CancellationToken ct)
    {
        if (!snapshots.Current.Publishers.TryGetValue(key, out var publisher))
            return PublisherRequests.Problem(StatusCodes.Status404NotFound, "Unknown publisher", $"There is no publisher '{key}'.");
        var bytes = await PublisherRequests.ReadBodyAsync(request, MaxBodyBytes);
        if (bytes is null) return PublisherRequests.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The body must be at most {MaxBodyBytes} bytes.");
        TestRequest? body;
        try
        {
            if (bytes.Length == 0) body = new TestRequest(null, null);
            else
            {
                using var parsed = JsonUnicode.Parse(bytes, out var invalid);
                body = invalid.Count > 0 || parsed.RootElement.ValueKind != JsonValueKind.Object
                    ? null : parsed.RootElement.Deserialize<TestRequest>(WorkspaceJson.Options);
            }
        }
        catch (JsonException)
        {
            body = null;
        }
        if (body is null)
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Malformed request",
                "Send { \"event\": \"sold\" | \"unsold\" | \"invalid\" | \"duplicate\" | \"returned\", \"template\": { \"events\": [...], \"url\": \"…\", \"method\": \"GET\" } (optional) }.");
        var @event = body.Event ?? PostbackEvents.Sold;
        if (!PostbackEvents.All.Contains(@event))
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Unknown event", null,
                new Dictionary<string, string[]> { ["event"] = [$"must be one of {string.Join(", ", PostbackEvents.All)}"] });
        var template = body.Template ?? PostbackTemplates.For(publisher.Config.Postbacks, @event);
        if (template is null)
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "No template", null,
                new Dictionary<string, string[]> { ["event"] = [$"publisher '{key}' has no postback template for '{@event}'; send one in `template`"] });
        if (template.Events is not { Count: > 0 }) template = template with { Events = [@event] };
        var problems = new Dictionary<string, List<string>>();
        PostbackTemplates.Check(new PostbacksConfig { Templates = [template] }, "template", (p, m) =>
        {
            var at = p.Replace("template.templates[0]", "template");
            if (!problems.TryGetValue(at, out var list)) problems[at] = list = [];
            list.Add(m);
        });
        if (problems.Count > 0)
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Invalid template", "Nothing was sent.",
                problems.ToDictionary(p => p.Key, p => p.Value.ToArray()));
        return TypedResults.Ok(await outbox.SendTestAsync(key, template, @event, null, ct));
    }
}
