using System.Globalization;
using System.Text.RegularExpressions;
using LeadHub.Core.Leads;
using LeadHub.Web.Components.Shared;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace LeadHub.Web.Api;

// A lead search as a query string: one parser and one writer for the leads page's URL (shared and
// bookmarked), the portal's CSV export and the admin API's. Phone and email never go in it: a
// URL ends up in logs and browser history. `range` is a ReportRange in the reader's zone;
// `from`/`to` are ISO 8601 instants (UTC without an offset); with both, both apply.
public sealed partial record LeadSearchQuery
{
    public IReadOnlyList<string> Statuses { get; init; } = [];
    public string? Campaign { get; init; }
    public string? Publisher { get; init; }
    public string? Buyer { get; init; }
    public Guid? LeadId { get; init; }
    public string? ExternalId { get; init; }
    public string? SubId { get; init; }
    public string? State { get; init; }
    public string? Zip { get; init; }
    public ReportRange? Range { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public LeadSort Sort { get; init; } = LeadSort.Received;
    public bool Ascending { get; init; }

    public static string SortName(LeadSort sort) => sort.ToString().ToLowerInvariant();

    public LeadFilter ToFilter(DateTimeOffset utcNow, TimeZoneInfo zone, string? phoneKey = null, string? emailKey = null)
    {
        DateTimeOffset? from = From, to = To;
        if (Range is { } range)
        {
            var (f, t) = range.Resolve(utcNow, zone);
            from = from is { } a && a > f ? a : f;
            to = to is { } b && b < t ? b : t;
        }
        return new LeadFilter(Campaign: Campaign, Publisher: Publisher, Buyer: Buyer, From: from, To: to, PhoneKey: phoneKey, EmailKey: emailKey)
        {
            Statuses = Statuses.Count > 0 ? Statuses : null,
            LeadId = LeadId, ExternalId = ExternalId, SubId = SubId, State = State?.ToUpperInvariant(), Zip = Zip,
        };
    }

    public string ToQueryString()
    {
        var q = new List<KeyValuePair<string, string?>>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value)) q.Add(new(name, value));
        }
        foreach (var s in Statuses) Add("status", s);
        Add("campaign", Campaign);
        Add("publisher", Publisher);
        Add("buyer", Buyer);
        Add("leadId", LeadId?.ToString("D"));
        Add("externalId", ExternalId);
        Add("subId", SubId);
        Add("state", State);
        Add("zip", Zip);
        Add("range", Range?.ToString());
        Add("from", From?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        Add("to", To?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        if (Sort != LeadSort.Received) Add("sort", SortName(Sort));
        if (Ascending) Add("dir", "asc");
        return QueryString.Create(q).ToUriComponent();
    }

    // Every problem by parameter name (RFC 7807 `errors`); the query holds what parsed.
    public static (LeadSearchQuery Query, Dictionary<string, string[]> Errors) Parse(IEnumerable<KeyValuePair<string, StringValues>> query)
    {
        var q = query.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);
        var errors = new Dictionary<string, string[]>();
        string? One(string name, int maxLength = 128)
        {
            var value = q.GetValueOrDefault(name).FirstOrDefault()?.Trim();
            if (string.IsNullOrEmpty(value)) return null;
            if (value.Length <= maxLength) return value;
            errors[name] = [$"must be at most {maxLength} characters"];
            return null;
        }

        var statuses = q.GetValueOrDefault("status").SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct().ToList();
        if (statuses.Any(s => !LeadQueries.Statuses.Contains(s)))
            errors["status"] = [$"must be one or more of: {string.Join(", ", LeadQueries.Statuses)}"];

        Guid? leadId = null;
        if (One("leadId") is { } id)
        {
            if (Guid.TryParse(id, out var g)) leadId = g;
            else errors["leadId"] = ["must be a lead id (a GUID)"];
        }
        var state = One("state");
        if (state is not null && !StateCode().IsMatch(state)) errors["state"] = ["must be a two-letter state code such as CA"];
        var zip = One("zip");
        if (zip is not null && !ZipPrefix().IsMatch(zip)) errors["zip"] = ["must be a US zip code or its first digits (e.g. 941 or 94107)"];

        ReportRange? range = null;
        if (One("range") is { } rangeText && (range = ReportRange.Parse(rangeText)) is null)
            errors["range"] = [$"must be one of {string.Join(", ", ReportRange.Presets.Where(p => p.Id != ReportRange.Custom).Select(p => p.Id))} or custom:<from>~<to> (yyyy-MM-ddTHH:mm)"];
        var from = Time(One("from"), "from", errors);
        var to = Time(One("to"), "to", errors);
        if (from is not null && to is not null && to <= from) errors["to"] = ["must be after 'from'"];

        var sort = LeadSort.Received;
        if (One("sort") is { } sortText
            && (int.TryParse(sortText, out _) || !Enum.TryParse(sortText, ignoreCase: true, out sort) || !Enum.IsDefined(sort)))
        {
            errors["sort"] = [$"must be one of: {string.Join(", ", Enum.GetValues<LeadSort>().Select(SortName))}"];
            sort = LeadSort.Received;
        }
        var dir = One("dir");
        if (dir is not null && dir is not ("asc" or "desc")) errors["dir"] = ["must be asc or desc"];

        return (new LeadSearchQuery
        {
            Statuses = statuses.Where(LeadQueries.Statuses.Contains).ToList(),
            Campaign = One("campaign", 64), Publisher = One("publisher", 64), Buyer = One("buyer", 64),
            LeadId = leadId, ExternalId = One("externalId"), SubId = One("subId"), State = errors.ContainsKey("state") ? null : state,
            Zip = errors.ContainsKey("zip") ? null : zip, Range = range, From = from, To = to, Sort = sort, Ascending = dir == "asc",
        }, errors);
    }

    public static (LeadSearchQuery Query, Dictionary<string, string[]> Errors) Parse(string uriQuery) =>
        Parse(QueryHelpers.ParseQuery(uriQuery));

    private static readonly DateTimeOffset MinTime = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset MaxTime = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset? Time(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (value is null) return null;
        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            errors[name] = ["must be an ISO-8601 time, e.g. 2026-12-01T00:00:00Z"];
        else if (t < MinTime || t > MaxTime) errors[name] = [$"must be between {MinTime:yyyy-MM-dd} and {MaxTime:yyyy-MM-dd}"];
        else return t.ToUniversalTime();
        return null;
    }

    [GeneratedRegex("^[A-Za-z]{2}$")]
    private static partial Regex StateCode();

    [GeneratedRegex(@"^\d{1,5}(-\d{0,4})?$")]
    private static partial Regex ZipPrefix();
}
