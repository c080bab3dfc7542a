using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.XPath;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Delivery;

// Reads a buyer's answer by a contract's response rules (README "Buyer formats"), compiled once.
// The reference JSON of CONTRACT §2 is one set of such rules (ReferenceFormat), so every answer
// of every contract goes through here.
public sealed class ResponseReader
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(50);

    // Buyers' answers are data: a DOCTYPE is skipped, never processed, so no DTD or external entity
    // is fetched and no entity expands (XXE, billion laughs); a reference to one is unparsable.
    private static readonly XmlReaderSettings SafeXml = new()
    {
        DtdProcessing = DtdProcessing.Ignore, XmlResolver = null, MaxCharactersFromEntities = 0, IgnoreComments = true,
    };

    private readonly string _kind;
    private readonly Rule? _bid, _accepted, _reason, _buyerLeadId, _bids;
    private Rule? _sharedBid;
    private readonly IReadOnlyList<(string Name, Rule Rule)> _capture;
    private readonly string? _acceptedWhen;
    private readonly Regex? _acceptedMatches;
    private readonly string _defaultOutcome;
    private readonly FrozenSet<int>? _successStatuses;
    private readonly decimal? _agreedPrice, _maxBid;

    private ResponseReader(ResponseRules rules, Rule? bid, Rule? accepted, Rule? reason, Rule? buyerLeadId, Rule? bids,
        IReadOnlyList<(string, Rule)> capture, Regex? acceptedMatches, decimal? agreedPrice, decimal? maxBid)
    {
        _maxBid = maxBid;
        _kind = rules.Kind;
        _bid = bid;
        _accepted = accepted;
        _reason = reason;
        _buyerLeadId = buyerLeadId;
        _bids = bids;
        _capture = capture;
        _acceptedWhen = rules.AcceptedWhen;
        _acceptedMatches = acceptedMatches;
        _defaultOutcome = rules.DefaultOutcome;
        _successStatuses = rules.SuccessStatuses?.ToFrozenSet();
        _agreedPrice = agreedPrice;
    }

    // `agreedPrice` is a ping-post contract's `price`: the bid of a ping answer that says accepted without one.
    // `maxBid`: a bid above it is an error (a decimal point in the wrong place, a fat finger), never a sale.
    public static ResponseReader Compile(ResponseRules rules, bool ping, string path, Action<string, string> error,
        decimal? agreedPrice = null, decimal? maxBid = null)
    {
        if (rules.Kind is not (ResponseKinds.Json or ResponseKinds.Xml or ResponseKinds.Regex))
        {
            error($"{path}.kind", "must be json, xml or regex");
        }
        if (ping && rules.Bid is null && !(rules.Accepted is not null && agreedPrice is > 0))
            error($"{path}.bid", "is required: where the bid is in the answer (or an accepted rule and the contract's agreed price)");
        var bids = rules.Bids is null ? null : RuleOf(rules.Kind, rules.Bids, $"{path}.bids", error, list: true);
        if (rules.Bids is not null && rules.Kind == ResponseKinds.Regex) error($"{path}.bids", "needs json or xml answers");
        var bid = RuleOf(rules.Kind, rules.Bid, $"{path}.bid", error);
        if (bids is not null && bid is { Relative: false }) error($"{path}.bid", "with bids, is read from each bid: start it with '@' (JSON) or write a relative XPath");
        var accepted = RuleOf(rules.Kind, rules.Accepted, $"{path}.accepted", error);
        var reason = RuleOf(rules.Kind, rules.Reason, $"{path}.reason", error);
        var buyerLeadId = RuleOf(rules.Kind, rules.BuyerLeadId, $"{path}.buyerLeadId", error);
        var capture = new List<(string, Rule)>();
        foreach (var (name, text) in rules.Capture)
        {
            if (!IsCaptureName(name)) error($"{path}.capture", $"'{name}' is not a usable name: letters, digits and _ only");
            if (RuleOf(rules.Kind, text, $"{path}.capture.{name}", error) is { } rule)
            {
                if (rule.Relative && bids is null && rules.Kind == ResponseKinds.Json)
                    error($"{path}.capture.{name}", "'@' reads the chosen bid: it needs bids");
                capture.Add((name, rule));
            }
        }

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
        var sharedBid = RuleOf(rules.Kind, rules.SharedBid, $"{path}.sharedBid", error);
        return new ResponseReader(rules, bid, accepted, reason, buyerLeadId, bids, capture, acceptedMatches, agreedPrice, maxBid)
            { _sharedBid = sharedBid };
    }

    public PingResult ReadPing(int status, string body)
    {
        if (!IsAnswer(status)) return PingResult.Failed($"HTTP {status}");
        return Read(body, PingResult.Failed("unparsable answer"), root =>
        {
            var said = _accepted?.Read(root, root);
            if (said is not null && !IsAccepted(said)) return PingResult.Passed(_reason?.Read(root, root), Capture(root, root));

            var (scope, text, problem) = ChooseBid(root);
            if (problem is not null) return PingResult.Failed(problem);
            var captured = Capture(root, scope);
            if (text is null)
            {
                // "Matched" without a price: the price agreed with this buyer.
                if (said is not null && _agreedPrice is > 0) return new PingResult(PingOutcome.Bid, _agreedPrice.Value, null, captured);
                return _defaultOutcome == DefaultOutcomes.Pass
                    ? PingResult.Passed(_reason?.Read(root, root), captured)
                    : PingResult.Failed("no bid in answer");
            }
            if (!TryBid(text, out var bid, out var why)) return PingResult.Failed(why!);
            return bid == 0 ? PingResult.Passed(_reason?.Read(root, root), captured)
                : new PingResult(PingOutcome.Bid, bid, null, captured) { SharedBid = SharedBidOf(root, scope) };
        });
    }

    // A shared bid that is missing, unreadable or above the max bid is no shared bid: the contract's
    // agreed sharedPrice applies, and the exclusive bid still stands.
    private decimal? SharedBidOf(Scope root, Scope scope) =>
        _sharedBid?.Read(root, scope) is { } text && TryBid(text, out var shared, out _) && shared > 0 ? shared : null;

    public PostResult ReadPost(int status, string body)
    {
        if (!IsAnswer(status)) return PostResult.Failed($"HTTP {status}");
        return Read(body, PostResult.Failed("unparsable answer"), root =>
        {
            var buyerLeadId = _buyerLeadId?.Read(root, root);
            var captured = Capture(root, root);
            // Without an accepted rule the buyer says yes by answering with a success status.
            var flag = _accepted is null ? "true" : _accepted.Read(root, root);
            if (flag is null)
            {
                return _defaultOutcome == DefaultOutcomes.Rejected
                    ? new PostResult(PostOutcome.Rejected, buyerLeadId, _reason?.Read(root, root) ?? "rejected", captured)
                    : PostResult.Failed("no accepted flag in answer");
            }
            return IsAccepted(flag)
                ? new PostResult(PostOutcome.Accepted, buyerLeadId, null, captured)
                : new PostResult(PostOutcome.Rejected, buyerLeadId, _reason?.Read(root, root) ?? "rejected", captured);
        });
    }

    public bool IsAnswer(int status) => _successStatuses?.Contains(status) ?? status is >= 200 and <= 299;

    // The one bid of the answer, or the best of its bids: the scope its captures are read from.
    // A bid that cannot be read is skipped when others can; when none can, the answer is an error.
    private (Scope Scope, string? Bid, string? Problem) ChooseBid(Scope root)
    {
        if (_bids is null) return (root, _bid?.Read(root, root), null);
        (Scope Scope, string Text, decimal Amount)? best = null;
        string? problem = null;
        foreach (var candidate in _bids.ReadAll(root))
        {
            var text = _bid?.Read(root, candidate);
            if (text is null) continue;
            if (!TryBid(text, out var amount, out var why))
            {
                problem ??= why;
                continue;
            }
            if (best is null || amount > best.Value.Amount) best = (candidate, text, amount);
        }
        return best is { } b ? (b.Scope, b.Text, null) : (root, null, problem);
    }

    private bool TryBid(string text, out decimal bid, out string? problem)
    {
        if (!Money.TryParse(text, out bid, out var why))
        {
            problem = "unreadable bid: " + why;
            return false;
        }
        if (bid > _maxBid)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"bid {bid:0.00} is above the max bid {_maxBid:0.00}; not sold");
            return false;
        }
        problem = null;
        return true;
    }

    private IReadOnlyDictionary<string, string>? Capture(Scope root, Scope scope)
    {
        if (_capture.Count == 0) return null;
        var values = new Dictionary<string, string>(_capture.Count);
        foreach (var (name, rule) in _capture)
        {
            if (rule.Read(root, scope) is { } value) values[name] = value;
        }
        return values;
    }

    private bool IsAccepted(string flag)
    {
        if (_acceptedMatches is not null) return IsMatch(_acceptedMatches, flag);
        return string.Equals(flag, _acceptedWhen ?? "true", StringComparison.OrdinalIgnoreCase);
    }

    private T Read<T>(string body, T unparsable, Func<Scope, T> read)
    {
        switch (_kind)
        {
            case ResponseKinds.Json:
                JsonDocument json;
                try { json = JsonDocument.Parse(body); }
                catch (JsonException) { return unparsable; }
                using (json) return read(new Scope(body, json.RootElement, null));
            case ResponseKinds.Xml:
                XPathNavigator xml;
                try
                {
                    using var reader = XmlReader.Create(new StringReader(body), SafeXml);
                    xml = new XPathDocument(reader).CreateNavigator();
                }
                catch (XmlException) { return unparsable; }
                return read(new Scope(body, default, xml));
            default:
                return read(new Scope(body, default, null));
        }
    }

    private static bool IsCaptureName(string name) => name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static Rule? RuleOf(string kind, string? text, string path, Action<string, string> error, bool list = false)
    {
        if (text is null) return null;
        switch (kind)
        {
            case ResponseKinds.Json:
                if (SimpleJsonPath.TryParse(text, out var jsonPath, out var problem))
                {
                    return new Rule(jsonPath!.IsRelative,
                        (root, scope) => jsonPath.Find(jsonPath.IsRelative ? scope.Json : root.Json),
                        list ? root => jsonPath.FindAll(root.Json).Select(e => root with { Json = e }) : null);
                }
                error(path, "is not a supported JSON path: " + problem);
                return null;
            case ResponseKinds.Xml:
                try
                {
                    var xpath = XPathExpression.Compile(text);
                    // Compiles but needs a namespace manager or variables: it would fail on every answer.
                    new XPathDocument(new StringReader("<x/>")).CreateNavigator().Evaluate(xpath);
                    // A relative XPath reads from the current bid; on the answer itself it reads from the root.
                    return new Rule(!text.TrimStart().StartsWith('/'), (_, scope) => XPathValue(scope.Xml!, xpath),
                        list ? root => XPathNodes(root, xpath) : null);
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
                return new Rule(false, (root, _) => RegexValue(regex, root.Text), null);
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

    private static IEnumerable<Scope> XPathNodes(Scope root, XPathExpression xpath)
    {
        XPathNodeIterator nodes;
        try { nodes = root.Xml!.Select(xpath.Clone()); }
        catch (XPathException) { yield break; }
        while (nodes.MoveNext()) yield return root with { Xml = nodes.Current!.Clone() };
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

    // Where a rule reads: the answer (root) or, in a multi-bid answer, one bid in it.
    private readonly record struct Scope(string Text, JsonElement Json, XPathNavigator? Xml);

    // One compiled path. Relative paths read the current bid; `all` lists the bids (for `bids`).
    private sealed record Rule(bool Relative, Func<Scope, Scope, string?> Value, Func<Scope, IEnumerable<Scope>>? All)
    {
        public string? Read(Scope root, Scope scope) => Value(root, scope);

        public IEnumerable<Scope> ReadAll(Scope root) => All?.Invoke(root) ?? [];
    }
}
