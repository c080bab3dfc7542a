using System.Text.Json;
using LeadHub.Core.Suppression;
using LeadHub.Core.Workspace;

namespace LeadHub.Web.Api;

// Suppression lists through the admin API (README "Suppression and consent"): lists, CSV uploads
// (preview, then add or replace), single do-not-contact entries, and a check. Entries are never
// returned: only counts, and which lists name a value one already has.
public static class SuppressionApi
{
    private const int MaxJsonBytes = 16 * 1024;
    private const string Actor = "admin-api";

    public sealed record EntryRequest(string? Phone, string? Email);
    public sealed record EntryAnswer(string List, int Changed, int Entries);
    public sealed record CheckAnswer(bool Suppressed, IReadOnlyList<CheckedList> Lists);
    public sealed record CheckedList(string Key, string Name, string Scope, string? Target);
    public sealed record UploadAnswer(int RowsRead, int ValidRows, int InvalidRows, int Duplicates, int Entries,
        IReadOnlyList<InvalidLine> Invalid, SuppressionApplyResult? Applied);

    public static IEndpointRouteBuilder MapSuppressionApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin/suppression").WithTags("Admin API")
            .AddEndpointFilter(AdminApi.RequireAdminToken).ProducesProblem(401);
        group.MapGet("/lists", async (SuppressionService s, CancellationToken ct) => TypedResults.Ok(await s.ListsAsync(ct)))
            .WithSummary("Suppression lists with their sizes and last upload (never their entries)")
            .Produces<IReadOnlyList<SuppressionListView>>();
        group.MapPut("/lists/{key}", SaveList)
            .WithSummary("Create or change a list: name, kind (dnc, litigator, ...), scope global | campaign | buyer, target (the campaign or buyer key)")
            .Accepts<SuppressionListInput>("application/json")
            .Produces<SuppressionListView>().ProducesProblem(400).ProducesProblem(413).ProducesValidationProblem(422);
        group.MapDelete("/lists/{key}", DeleteList).WithSummary("Delete a list and its entries")
            .Produces(204).ProducesProblem(404);
        group.MapPost("/lists/{key}/upload", Upload)
            .WithSummary("Upload a CSV of phones and/or emails: preview, or apply with ?apply=true&mode=add|replace")
            .WithDescription("Body: CSV (UTF-8, at most 64 MB) with a header naming a 'phone' and/or an 'email' column. Values are " +
                             "normalised (E.164 phone, lower-case email) and stored only as keyed hashes. The answer counts rows read, " +
                             "valid, invalid (with line numbers, never values) and duplicates; apply adds them to the list or replaces it.")
            .Produces<UploadAnswer>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(413);
        group.MapPost("/lists/{key}/entries", (string key, HttpRequest r, SuppressionService s, CancellationToken ct) => ChangeEntry(key, r, s, add: true, ct))
            .WithSummary("Add one phone and/or email to a list (a do-not-contact request)")
            .Accepts<EntryRequest>("application/json")
            .Produces<EntryAnswer>().ProducesProblem(400).ProducesProblem(404).ProducesValidationProblem(422);
        group.MapPost("/lists/{key}/entries/remove", (string key, HttpRequest r, SuppressionService s, CancellationToken ct) => ChangeEntry(key, r, s, add: false, ct))
            .WithSummary("Remove one phone and/or email from a list")
            .Accepts<EntryRequest>("application/json")
            .Produces<EntryAnswer>().ProducesProblem(400).ProducesProblem(404).ProducesValidationProblem(422);
        group.MapPost("/check", Check)
            .WithSummary("Is this phone and/or email suppressed? The lists that name it")
            .Accepts<EntryRequest>("application/json")
            .Produces<CheckAnswer>().ProducesProblem(400).ProducesValidationProblem(422);
        return app;
    }

    private static async Task<IResult> SaveList(string key, HttpRequest request, SuppressionService service, CancellationToken ct)
    {
        var (input, problem) = await ReadJsonAsync<SuppressionListInput>(request);
        if (problem is not null) return problem;
        var errors = await service.SaveListAsync(key, input!, Actor, ct);
        if (errors.Count > 0)
            return PublisherRequests.Problem(StatusCodes.Status422UnprocessableEntity, "Invalid list", "The list was not saved.", errors);
        return TypedResults.Ok(await service.GetAsync(key, ct));
    }

    private static async Task<IResult> DeleteList(string key, SuppressionService service, CancellationToken ct) =>
        await service.DeleteListAsync(key, Actor, ct) ? TypedResults.NoContent() : NoList(key);

    private static async Task<IResult> Upload(string key, HttpRequest request, SuppressionService service, string? apply, string? mode,
        CancellationToken ct)
    {
        var applying = false;
        if (apply is not null && !bool.TryParse(apply, out applying))
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Bad apply flag", "apply is true or false.",
                new Dictionary<string, string[]> { ["apply"] = ["must be true or false"] });
        mode ??= UploadModes.Add;
        if (mode is not (UploadModes.Add or UploadModes.Replace))
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Bad mode", "mode is add or replace.",
                new Dictionary<string, string[]> { ["mode"] = ["must be add or replace"] });
        if (await service.GetAsync(key, ct) is null) return NoList(key);
        if (request.ContentLength > SuppressionFile.MaxBytes) return TooLarge();
        // Kestrel's own limit (30 MB by default) would cut a list file short; this one is bounded while read.
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            bodyLimit.MaxRequestBodySize = SuppressionFile.MaxBytes + 1;

        SuppressionUpload upload;
        try
        {
            upload = await service.ReadFileAsync(request.Body, ct);
        }
        catch (BadHttpRequestException e)
        {
            return e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge()
                : PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Unreadable suppression file", "The upload was cut off.");
        }
        catch (SuppressionFileException e)
        {
            return e.Message.Contains("larger than", StringComparison.Ordinal)
                ? TooLarge()
                : PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Unreadable suppression file", e.Message);
        }
        var applied = applying ? await service.ApplyAsync(key, upload, mode, Actor, ct) : null;
        if (applying && applied is null) return NoList(key);
        return TypedResults.Ok(new UploadAnswer(upload.RowsRead, upload.ValidRows, upload.InvalidRows, upload.Duplicates, upload.Entries,
            upload.Invalid, applied));
    }

    private static IResult TooLarge() => PublisherRequests.Problem(StatusCodes.Status413PayloadTooLarge, "File too large",
        $"A suppression file is at most {SuppressionFile.MaxBytes / (1024 * 1024)} MB; split it and upload the parts with mode=add.");

    private static async Task<IResult> ChangeEntry(string key, HttpRequest request, SuppressionService service, bool add, CancellationToken ct)
    {
        var (input, problem) = await ReadJsonAsync<EntryRequest>(request);
        if (problem is not null) return problem;
        var change = add
            ? await service.AddEntryAsync(key, input!.Phone, input.Email, Actor, ct)
            : await service.RemoveEntryAsync(key, input!.Phone, input.Email, Actor, ct);
        if (change.Errors.Count > 0)
            return PublisherRequests.Problem(StatusCodes.Status422UnprocessableEntity, "Invalid entry", "Nothing was changed.", change.Errors);
        if (!change.ListFound) return NoList(key);
        return TypedResults.Ok(new EntryAnswer(key, change.Changed, change.Entries));
    }

    private static async Task<IResult> Check(HttpRequest request, SuppressionLists lists, CancellationToken ct)
    {
        var (input, problem) = await ReadJsonAsync<EntryRequest>(request);
        if (problem is not null) return problem;
        if (string.IsNullOrWhiteSpace(input!.Phone) && string.IsNullOrWhiteSpace(input.Email))
            return PublisherRequests.Problem(StatusCodes.Status422UnprocessableEntity, "Nothing to check", "Give a phone, an email, or both.",
                new Dictionary<string, string[]> { ["phone"] = ["give a phone, an email, or both"] });
        var found = lists.Lookup(Bounded(input.Phone, 64), Bounded(input.Email, 254));
        return TypedResults.Ok(new CheckAnswer(found.Count > 0, found.Select(l => new CheckedList(l.Key, l.Name, l.Scope, l.Target)).ToList()));
    }

    private static string? Bounded(string? text, int max) => text is null || text.Length > max ? null : text;

    private static IResult NoList(string key) =>
        PublisherRequests.Problem(StatusCodes.Status404NotFound, "Unknown list", $"There is no suppression list '{key}'.");

    private static async Task<(T?, IResult?)> ReadJsonAsync<T>(HttpRequest request) where T : class
    {
        var body = await PublisherRequests.ReadBodyAsync(request, MaxJsonBytes);
        if (body is null)
            return (null, PublisherRequests.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The body must be at most {MaxJsonBytes} bytes."));
        try
        {
            if (JsonSerializer.Deserialize<T>(body, WorkspaceJson.Options) is { } value) return (value, null);
        }
        catch (JsonException)
        {
        }
        return (null, PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Malformed body", "The body must be a JSON object."));
    }
}
