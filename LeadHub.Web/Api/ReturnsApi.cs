using System.Text.Json;
using LeadHub.Core.Returns;
using LeadHub.Core.Security;
using LeadHub.Core.Validation;
using LeadHub.Core.Workspace;

namespace LeadHub.Web.Api;

// The buyer side of CONTRACT §5: a buyer returns a lead it bought, with its own API key, and
// reads the decision later.
public static class ReturnsApi
{
    public const int MaxBodyBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapReturnsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/returns").WithTags("Buyer API");
        group.MapPost("", PostReturn)
            .WithSummary("Return a sold lead")
            .WithDescription("A buyer returns a lead it bought, within the campaign's returnWindowDays after the sale. " +
                             "The return is pending until a manager approves (the sale is credited back) or denies it. " +
                             "Header: X-Api-Key (the buyer's key).")
            .WithReturnBody()
            .Produces<ReturnAnswer>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409)
            .ProducesProblem(413).ProducesValidationProblem(422);
        group.MapGet("/{returnId:guid}", GetReturn)
            .WithSummary("A return and its decision")
            .WithDescription("Only the buyer that requested it sees a return. Header: X-Api-Key (the buyer's key).")
            .Produces<ReturnView>()
            .ProducesProblem(401).ProducesProblem(404);

        // A manager's side: a buyer's return file, as the portal's import takes it.
        app.MapGroup("/api/v1/admin/returns").WithTags("Admin API").AddEndpointFilter(AdminApi.RequireAdminToken).ProducesProblem(401)
            .MapPost("/import", ImportReturns)
            .WithSummary("Import a buyer's return file (CSV): preview, or apply with ?apply=true")
            .WithDescription("Body: CSV (UTF-8, at most 1 MiB and 5000 rows) with a header naming a 'lead_id' or 'external_id' column and a " +
                             "'reason' column. Query: buyer (required), apply (default false). Each row is matched, or says why not " +
                             "(unknown lead, outside window, already decided, ...); apply enters the matched rows as pending returns. " +
                             "A file that cannot be read changes nothing and gets 400.")
            .Produces<ReturnImportReport>()
            .ProducesProblem(400).ProducesProblem(413);
        return app;
    }

    private static async Task<IResult> ImportReturns(HttpRequest request, ReturnImport import, string? buyer, string? apply, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(buyer))
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Missing buyer", "Name the buyer whose file this is: ?buyer=<key>.",
                new Dictionary<string, string[]> { ["buyer"] = ["is required"] });
        if (apply is not null && !bool.TryParse(apply, out _))
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Bad apply flag", "apply is true or false.",
                new Dictionary<string, string[]> { ["apply"] = ["must be true or false"] });
        var body = await PublisherRequests.ReadBodyAsync(request, ReturnImport.MaxBytes);
        if (body is null)
            return PublisherRequests.Problem(StatusCodes.Status413PayloadTooLarge, "File too large", $"A return file is at most {ReturnImport.MaxBytes} bytes.");
        string csv;
        try
        {
            csv = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body).TrimStart('\uFEFF');
        }
        catch (System.Text.DecoderFallbackException)
        {
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Unreadable file", "The file must be UTF-8 text.");
        }
        try
        {
            var report = apply is not null && bool.Parse(apply)
                ? await import.ApplyAsync(buyer.Trim(), csv, "admin-api", ct)
                : await import.PreviewAsync(buyer.Trim(), csv, ct);
            return TypedResults.Ok(report);
        }
        catch (ReturnFileException e)
        {
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Unreadable return file", e.Message);
        }
    }

    private static async Task<IResult> PostReturn(HttpRequest request, RoutingSnapshotHolder snapshots, ReturnService returns, CancellationToken ct)
    {
        var buyer = Authenticate(request, snapshots.Current);
        if (buyer is null) return Unauthorized();

        var body = await PublisherRequests.ReadBodyAsync(request, MaxBodyBytes);
        if (body is null)
            return PublisherRequests.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The body must be at most {MaxBodyBytes} bytes.");
        var errors = new Dictionary<string, string[]>();
        var parsed = Parse(body, errors);
        if (parsed is not { } input)
            return PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Malformed return",
                "The body must be a JSON object with 'leadId' and 'reason'.", errors);

        var (row, refusal) = await returns.RequestAsync(input.LeadId, buyer.Key, input.Reason, buyer.Key, ct);
        return refusal switch
        {
            null => TypedResults.Ok(new ReturnAnswer(row!.Id, row.LeadId, row.Status)),
            ReturnRefusal.InvalidText t => PublisherRequests.Problem(StatusCodes.Status400BadRequest, "Malformed return", t.Message,
                new Dictionary<string, string[]> { [t.Field] = [t.Why] }),
            ReturnRefusal.UnknownLead => PublisherRequests.Problem(StatusCodes.Status404NotFound, "Unknown lead", refusal.Message),
            ReturnRefusal.NotSold => PublisherRequests.Problem(StatusCodes.Status403Forbidden, "Not your lead",
                "Only a lead sold to this buyer can be returned by it."),
            ReturnRefusal.AlreadyReturned a => PublisherRequests.Problem(StatusCodes.Status409Conflict, "Already returned", refusal.Message,
                extensions: new Dictionary<string, object?> { ["returnId"] = a.ReturnId, ["returnStatus"] = a.Status }),
            ReturnRefusal.OutsideWindow => PublisherRequests.Problem(StatusCodes.Status422UnprocessableEntity, "Return window passed",
                refusal.Message, new Dictionary<string, string[]> { ["leadId"] = [refusal.Message] }),
            _ => throw new InvalidOperationException($"unexpected refusal {refusal.GetType().Name}"),
        };
    }

    private static async Task<IResult> GetReturn(Guid returnId, HttpRequest request, RoutingSnapshotHolder snapshots, ReturnService returns,
        CancellationToken ct)
    {
        var buyer = Authenticate(request, snapshots.Current);
        if (buyer is null) return Unauthorized();
        var row = await returns.FindAsync(returnId, ct);
        // Another buyer's return is "not found": its existence is none of this buyer's business.
        if (row is null || row.BuyerKey != buyer.Key)
            return PublisherRequests.Problem(StatusCodes.Status404NotFound, "Unknown return", $"This buyer has no return {returnId}.");
        return TypedResults.Ok(new ReturnView(row.Id, row.LeadId, row.Status, row.Reason, row.Credit, row.RequestedAt, row.DecidedAt, row.DecisionNote));
    }

    private static IResult Unauthorized() =>
        PublisherRequests.Problem(StatusCodes.Status401Unauthorized, "Unauthorized",
            $"Send a valid buyer key in the {PublisherRequests.ApiKeyHeader} header.");

    // As for publishers: a hash lookup, then a constant-time compare. A paused buyer may still
    // return what it bought: pausing stops routing, not settlement.
    private static BuyerSnapshot? Authenticate(HttpRequest request, RoutingSnapshot snapshot)
    {
        var key = request.Headers[PublisherRequests.ApiKeyHeader].FirstOrDefault();
        if (string.IsNullOrEmpty(key) || key.Length > 512) return null;
        return snapshot.BuyersByKeyHash.TryGetValue(ApiKeys.Hash(key), out var buyer) && ApiKeys.Matches(key, buyer.ApiKeyHash!) ? buyer : null;
    }

    private static (Guid LeadId, string Reason)? Parse(byte[] body, Dictionary<string, string[]> errors)
    {
        JsonElement root;
        IReadOnlyList<string> invalid;
        try
        {
            using var doc = JsonUnicode.Parse(body, out invalid);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            errors["body"] = [$"is not valid JSON ({e.Message.Split('.')[0]})"];
            return null;
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = ["must be a JSON object"];
            return null;
        }
        foreach (var path in invalid) errors[path] = [JsonUnicode.Message];
        if (errors.Count > 0) return null;

        var leadId = Guid.Empty;
        if (!root.TryGetProperty("leadId", out var l) || l.ValueKind == JsonValueKind.Null) errors["leadId"] = ["is required"];
        else if (l.ValueKind != JsonValueKind.String || !Guid.TryParse(l.GetString(), out leadId)) errors["leadId"] = ["must be a lead id (a GUID string)"];

        var reason = "";
        if (!root.TryGetProperty("reason", out var r) || r.ValueKind == JsonValueKind.Null) errors["reason"] = ["is required"];
        else if (r.ValueKind != JsonValueKind.String) errors["reason"] = ["must be a string"];
        else
        {
            reason = r.GetString()!.Trim();
            if (reason.Length == 0) errors["reason"] = ["must not be empty"];
            else if (reason.Length > ReturnService.MaxTextLength) errors["reason"] = [$"must be at most {ReturnService.MaxTextLength} characters"];
        }

        return errors.Count > 0 ? null : (leadId, reason);
    }

    // Documents the body without `Accepts`, whose content-type check would answer 415; a body
    // that is not JSON gets the 400 problem like every other malformed body.
    private static RouteHandlerBuilder WithReturnBody(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(ReturnRequestDoc), null, ct) },
                },
            };
        });
}

// The documented shape of a return request, for the OpenAPI document only.
public sealed record ReturnRequestDoc(Guid LeadId, string Reason);

public sealed record ReturnAnswer(Guid ReturnId, Guid LeadId, string Status);

// What a buyer sees of its return: never who decided it.
public sealed record ReturnView(Guid ReturnId, Guid LeadId, string Status, string Reason, decimal Credit, DateTimeOffset RequestedAt,
    DateTimeOffset? DecidedAt, string? DecisionNote);
