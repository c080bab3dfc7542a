using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.XPath;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Delivery;

// Reads a buyer's answer by a contract's response rules (README "Buyer formats"), compiled once.
public sealed class ResponseReader
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(50);

    // Buyers' answers are data, never a reason to fetch a DTD or an entity.
    private static readonly XmlReaderSettings SafeXml = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };

    private readonly string _kind;
    private readonly Func<Answer, string?>? _bid, _accepted, _reason, _buyerLeadId;
    private readonly string? _acceptedWhen;
    private readonly Regex? _acceptedMatches;
    private readonly string _defaultOutcome;
    private readonly FrozenSet<int>? _successStatuses;

    private ResponseReader(ResponseRules rules, Func<Answer, string?>? bid, Func<Answer, string?>? accepted,
        Func<Answer, string?>? reason, Func<Answer, string?>? buyerLeadId, Regex? acceptedMatches)
    {
        _kind = rules.Kind;
        _bid = bid;
        _accepted = accepted;
        _reason = reason;
        _buyerLeadId = buyerLeadId;
        _acceptedWhen = rules.AcceptedWhen;
        _acceptedMatches = acceptedMatches;
        _defaultOutcome = rules.DefaultOutcome;
        _successStatuses = rules.SuccessStatuses?.ToFrozenSet();
    }

    public static ResponseReader Compile(ResponseRules rules, bool ping, string path, Action<string, string> error)
    {
        if (rules.Kind is not (ResponseKinds.Json or ResponseKinds.Xml or ResponseKinds.Regex))
        {
            error($"{path}.kind", "must be json, xml or regex");
        }
        if (ping && rules.Bid is null) error($"{path}.bid", "is required: where the bid is in the answer");
        var bid = Rule(rules.Kind, rules.Bid, $"{path}.bid", error);
        var accepted = Rule(rules.Kind, rules.Accepted, $"{path}.accepted", error);
        var reason = Rule(rules.Kind, rules.Reason, $"{path}.reason", error);
        var buyerLeadId = Rule(rules.Kind, rules.BuyerLeadId, $"{path}.buyerLeadId", error);

        if ((rules.AcceptedWhen ?? rules.AcceptedMatches) is not null && rules.Accepted is null)
            error($"{path}.accepted", "is required with acceptedWhen or acceptedMatches");
        if (rules.AcceptedWhen is not null && rules.AcceptedMatches is not null)
            error($"{path}.acceptedMatches", "use either acceptedWhen or acceptedMatches");
        Regex? acceptedMatches = null;
        if (rules.AcceptedMatches is not null)
        {
            try { acceptedMatches = new Regex(rules.AcceptedMatches, RegexOptions.CultureInvariant, RegexTimeout); }
            catch (ArgumentException e) { error($"{path}.acceptedMatches", "is not a valid regular expression: " + e.Message); }
        }

        string[] outcomes = ping ? [DefaultOutcomes.Error, DefaultOutcomes.Pass] : [DefaultOutcomes.Error, DefaultOutcomes.Rejected];
        if (!outcomes.Contains(rules.DefaultOutcome)) error($"{path}.defaultOutcome", $"must be {outcomes[0]} or {outcomes[1]}");
        if (rules.SuccessStatuses is { Count: 0 }) error($"{path}.successStatuses", "needs at least one status (or null for any 2xx)");
        for (var i = 0; i < (rules.SuccessStatuses?.Count ?? 0); i++)
        {
            if (rules.SuccessStatuses![i] is < 100 or > 599) error($"{path}.successStatuses[{i}]", "must be an HTTP status (100-599)");
        }
        return new ResponseReader(rules, bid, accepted, reason, buyerLeadId, acceptedMatches);
    }

    public PingResult ReadPing(int status, string body)
    {
        if (!IsAnswer(status)) return PingResult.Failed($"HTTP {status}");
        return Read(body, PingResult.Failed("unparsable answer"), answer =>
        {
            if (_accepted is not null)
            {
                var flag = _accepted(answer);
                if (flag is null) return NoPing(answer);
                if (!IsAccepted(flag)) return PingResult.Passed(_reason?.Invoke(answer));
            }
            var text = _bid!(answer);
            if (text is null) return NoPing(answer);
            if (!TryMoney(text, out var bid)) return PingResult.Failed("unparsable bid");
            if (bid < 0) return PingResult.Failed("negative bid");
            return bid == 0 ? PingResult.Passed(_reason?.Invoke(answer)) : new PingResult(PingOutcome.Bid, Math.Round(bid, 2));
        });
    }

    public PostResult ReadPost(int status, string body)
    {
        if (!IsAnswer(status)) return PostResult.Failed($"HTTP {status}");
        return Read(body, PostResult.Failed("unparsable answer"), answer =>
        {
            var buyerLeadId = _buyerLeadId?.Invoke(answer);
            // Without an accepted rule the buyer says yes by answering with a success status.
            var flag = _accepted is null ? "true" : _accepted(answer);
            if (flag is null)
            {
                return _defaultOutcome == DefaultOutcomes.Rejected
                    ? new PostResult(PostOutcome.Rejected, buyerLeadId, _reason?.Invoke(answer) ?? "rejected")
                    : PostResult.Failed("no accepted flag in answer");
            }
            return IsAccepted(flag)
                ? new PostResult(PostOutcome.Accepted, buyerLeadId)
                : new PostResult(PostOutcome.Rejected, buyerLeadId, _reason?.Invoke(answer) ?? "rejected");
        });
    }

    public bool IsAnswer(int status) => _successStatuses?.Contains(status) ?? status is >= 200 and <= 299;

    // Bids may come as strings ("50.00", "$50.00"). No thousands separators: "12,50" must not become 1250.
    internal static bool TryMoney(string text, out decimal value) =>
        decimal.TryParse(text.Trim().TrimStart('$'), NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    private PingResult NoPing(Answer answer) => _defaultOutcome == DefaultOutcomes.Pass
        ? PingResult.Passed(_reason?.Invoke(answer))
        : PingResult.Failed("no bid in answer");

    private bool IsAccepted(string flag)
    {
        if (_acceptedMatches is not null) return IsMatch(_acceptedMatches, flag);
        return string.Equals(flag, _acceptedWhen ?? "true", StringComparison.OrdinalIgnoreCase);
    }

    private T Read<T>(string body, T unparsable, Func<Answer, T> read)
    {
        switch (_kind)
        {
            case ResponseKinds.Json:
                JsonDocument json;
                try { json = JsonDocument.Parse(body); }
                catch (JsonException) { return unparsable; }
                using (json) return read(new Answer(body, json.RootElement, null));
            case ResponseKinds.Xml:
                XPathNavigator xml;
                try
                {
                    using var reader = XmlReader.Create(new StringReader(body), SafeXml);
                    xml = new XPathDocument(reader).CreateNavigator();
                }
                catch (XmlException) { return unparsable; }
                return read(new Answer(body, default, xml));
            default:
                return read(new Answer(body, default, null));
        }
    }

    private static Func<Answer, string?>? Rule(string kind, string? text, string path, Action<string, string> error)
    {
        if (text is null) return null;
        switch (kind)
        {
            case ResponseKinds.Json:
                if (SimpleJsonPath.TryParse(text, out var jsonPath, out var problem)) return a => jsonPath!.Find(a.Json);
                error(path, "is not a supported JSON path: " + problem);
                return null;
            case ResponseKinds.Xml:
                try
                {
                    var xpath = XPathExpression.Compile(text);
                    // Compiles but needs a namespace manager or variables: it would fail on every answer.
                    new XPathDocument(new StringReader("<x/>")).CreateNavigator().Evaluate(xpath);
                    return a => XPathValue(a.Xml!, xpath);
                }
                catch (XPathException e)
                {
                    error(path, "is not a valid XPath: " + e.Message);
                    return null;
                }
            case ResponseKinds.Regex:
                Regex regex;
                try { regex = new Regex(text, RegexOptions.CultureInvariant, RegexTimeout); }
                catch (ArgumentException e)
                {
                    error(path, "is not a valid regular expression: " + e.Message);
                    return null;
                }
                if (regex.GetGroupNumbers().Length < 2)
                {
                    error(path, "needs a capture group around the value, e.g. price=([0-9.]+)");
                    return null;
                }
                return a => RegexValue(regex, a.Text);
            default:
                return null;
        }
    }

    private static string? XPathValue(XPathNavigator xml, XPathExpression xpath)
    {
        object result;
        // A compiled expression keeps iteration state: each evaluation gets its own copy.
        try { result = xml.Evaluate(xpath.Clone()); }
        catch (XPathException) { return null; }
        return Text(result switch
        {
            XPathNodeIterator nodes => nodes.MoveNext() ? nodes.Current!.Value : null,
            string s => s,
            bool b => b ? "true" : "false",
            double d when !double.IsNaN(d) => d.ToString(CultureInfo.InvariantCulture),
            _ => null,
        });
    }

    private static string? RegexValue(Regex regex, string text)
    {
        try
        {
            var match = regex.Match(text);
            return match.Success ? Text(match.Groups[1].Value) : null;
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }

    private static bool IsMatch(Regex regex, string text)
    {
        try { return regex.IsMatch(text); }
        catch (RegexMatchTimeoutException) { return false; }
    }

    private static string? Text(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private readonly record struct Answer(string Text, JsonElement Json, XPathNavigator? Xml);
}
