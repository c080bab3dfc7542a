using System.Globalization;
using LeadHub.Core.Delivery;
using LeadHub.Core.Routing;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Status;

// Whether a contract (or buyer) receives leads right now, or the first reason it does not, in
// the order routing checks them (CONTRACT §3.3): paused, outside schedule, cap reached, circuit open.
public enum ReceivingState
{
    Receiving,
    BuyerPaused,
    ContractPaused,
    AutoPaused,
    CampaignPaused,
    CapReached,
    OutsideSchedule,
    CircuitOpen,
    NoContracts,
}

// One cap in its current period: "cap 1,200 of 2,000 today".
public sealed record CapUsage(string Scope, string Period, decimal Used, decimal Limit, bool IsBudget)
{
    public bool Full => Used >= Limit;

    // 0..100 for a usage bar.
    public double Percent => Limit <= 0 ? 100 : (double)Math.Min(100m, Used * 100m / Limit);

    public string Text => IsBudget
        ? string.Create(CultureInfo.InvariantCulture, $"{Prefix}budget ${Used:N2} of ${Limit:N2} {Period}")
        : string.Create(CultureInfo.InvariantCulture, $"{Prefix}cap {Used:N0} of {Limit:N0} {Period}");

    private string Prefix => Scope == "buyer" ? "buyer " : "";
}

// `Text` is the headline (a chip), `Reasons` every reason that applies (a tooltip), `Until` when
// the headline reason ends on its own (schedule opens, circuit probes), null if it does not.
public sealed record ReceivingStatus(
    ReceivingState State,
    string Text,
    IReadOnlyList<string> Reasons,
    DateTimeOffset? Until,
    PauseNote? Pause,
    IReadOnlyList<CapUsage> Caps,
    int PostErrorsToday)
{
    public bool IsReceiving => State == ReceivingState.Receiving;

    public bool IsPaused => State is ReceivingState.BuyerPaused or ReceivingState.ContractPaused or ReceivingState.AutoPaused;
}

// The rules, in one place, as pure functions of the snapshot and what the engine knows now (cap
// counters, buyer health). Mirrors what routing checks; never used by routing.
public static class ReceivingStatuses
{
    public static ReceivingStatus ForContract(ContractSnapshot contract, CampaignSnapshot? campaign, ContractHealthView? health,
        IReadOnlyDictionary<string, CapIncrement> counters, DateTimeOffset now, TimeZoneInfo? reader = null)
    {
        var config = contract.Config;
        var buyer = contract.Buyer.Config;
        var caps = UsageOf(CapPeriods.ForContract(contract, now), counters);
        var reasons = new List<(ReceivingState State, string Text, DateTimeOffset? Until, PauseNote? Pause)>();

        if (!buyer.Active)
            reasons.Add((ReceivingState.BuyerPaused, PauseText("Buyer paused", buyer.Paused, reader), null, buyer.Paused));
        if (!config.Active)
            reasons.Add(config.Paused is { IsAutomatic: true }
                ? (ReceivingState.AutoPaused, PauseText("Auto-paused for errors", config.Paused, reader), null, config.Paused)
                : (ReceivingState.ContractPaused, PauseText("Paused", config.Paused, reader), null, config.Paused));
        if (campaign is { Config.Active: false })
            reasons.Add((ReceivingState.CampaignPaused, $"Campaign {campaign.Key} paused", null, null));
        foreach (var cap in caps.Where(c => c.Full))
            reasons.Add((ReceivingState.CapReached, Capitalized(cap.Text), null, null));
        if (!contract.Schedule.IsOpen(now))
        {
            var opens = contract.Schedule.NextOpen(now);
            reasons.Add((ReceivingState.OutsideSchedule, opens is { } at
                ? $"Outside schedule until {LocalText(at, contract.Schedule.TimeZone)}"
                : "Outside schedule (it never opens)", opens, null));
        }
        if (health is { Circuit: "open", OpenUntil: { } until } && until > now)
            reasons.Add((ReceivingState.CircuitOpen,
                string.Create(CultureInfo.InvariantCulture, $"Circuit open until {ReaderText(until, reader, "HH:mm:ss")} ({health.ConsecutiveFailures} failures in a row)"),
                until, null));

        var errors = health?.PostErrorsToday ?? 0;
        if (reasons.Count == 0)
        {
            var text = errors > 0 ? $"Receiving ({errors} post error{(errors == 1 ? "" : "s")} today)" : "Receiving";
            return new ReceivingStatus(ReceivingState.Receiving, text, [text, .. caps.Select(c => c.Text)], null, null, caps, errors);
        }
        var first = reasons[0];
        return new ReceivingStatus(first.State, first.Text, [.. reasons.Select(r => r.Text), .. caps.Where(c => !c.Full).Select(c => c.Text)],
            first.Until, first.Pause, caps, errors);
    }

    // A buyer: its own pause or cap first, else how many of its contracts receive.
    public static ReceivingStatus ForBuyer(BuyerSnapshot buyer, IReadOnlyList<ReceivingStatus> contracts,
        IReadOnlyDictionary<string, CapIncrement> counters, DateTimeOffset now, TimeZoneInfo? reader = null)
    {
        var config = buyer.Config;
        var caps = UsageOf(CapPeriods.ForBuyer(buyer, now), counters);
        var errors = contracts.Sum(c => c.PostErrorsToday);
        if (!config.Active)
        {
            var text = config.Paused is { IsAutomatic: true } ? PauseText("Auto-paused", config.Paused, reader) : PauseText("Paused", config.Paused, reader);
            return new ReceivingStatus(ReceivingState.BuyerPaused, text, [text, .. caps.Select(c => c.Text)], null, config.Paused, caps, errors);
        }
        if (caps.FirstOrDefault(c => c.Full) is { } full)
        {
            var text = Capitalized(full.Text);
            return new ReceivingStatus(ReceivingState.CapReached, text, [text, .. caps.Where(c => c != full).Select(c => c.Text)], null, null, caps, errors);
        }
        if (contracts.Count == 0)
            return new ReceivingStatus(ReceivingState.NoContracts, "No contracts", ["This buyer has no contracts."], null, null, caps, 0);

        var receiving = contracts.Count(c => c.IsReceiving);
        var why = contracts.Where(c => !c.IsReceiving).GroupBy(c => c.State)
            .Select(g => $"{g.Count()} {Words(g.Key)}").ToList();
        var details = contracts.Where(c => !c.IsReceiving).Select(c => c.Text).Concat(caps.Select(c => c.Text)).ToList();
        if (receiving > 0)
        {
            var text = receiving == contracts.Count ? "Receiving" : $"Receiving ({receiving} of {contracts.Count} contracts)";
            return new ReceivingStatus(ReceivingState.Receiving, text, [text, .. details], null, null, caps, errors);
        }
        // None receives: the buyer shows the most common reason of its contracts.
        var main = contracts.GroupBy(c => c.State).OrderByDescending(g => g.Count()).First().First();
        var headline = $"Not receiving: {string.Join(", ", why)}";
        return new ReceivingStatus(main.State, headline, [headline, .. details], main.Until, main.Pause, caps, errors);
    }

    private static IReadOnlyList<CapUsage> UsageOf(IReadOnlyList<CapLimit> limits, IReadOnlyDictionary<string, CapIncrement> counters) =>
        limits.Select(limit =>
        {
            // Keys read "contract:acme-auto:day:2026-12-02" (CapPeriods.For).
            var parts = limit.Key.Split(':');
            var period = parts.Length > 2 ? parts[2] switch
            {
                "hour" => "this hour",
                "day" or "budget" => "today",
                "week" => "this week",
                "month" => "this month",
                var other => other,
            } : "";
            var counted = counters.GetValueOrDefault(limit.Key);
            return limit.MaxCount is { } max
                ? new CapUsage(parts[0], period, Math.Max(0, counted.Count), max, IsBudget: false)
                : new CapUsage(parts[0], period, Math.Max(0m, counted.Amount), limit.MaxAmount ?? 0, IsBudget: true);
        }).ToList();

    private static string PauseText(string what, PauseNote? note, TimeZoneInfo? reader) => note is null
        ? what
        : $"{what} by {note.By} {ReaderText(note.At, reader, "yyyy-MM-dd HH:mm")}"
          + (note.Reason is { Length: > 0 } reason ? $": {reason}" : "");

    // When something happened or ends, in the reader's zone (the portal user's; UTC for the API), named.
    private static string ReaderText(DateTimeOffset at, TimeZoneInfo? reader, string format)
    {
        reader ??= TimeZoneInfo.Utc;
        var name = reader == TimeZoneInfo.Utc ? "UTC" : reader.HasIanaId || !TimeZoneInfo.TryConvertWindowsIdToIanaId(reader.Id, out var iana) ? reader.Id : iana;
        return TimeZoneInfo.ConvertTime(at, reader).ToString(format, CultureInfo.InvariantCulture) + " " + name;
    }

    // "Mon 08:00 America/Chicago": a schedule speaks its own zone.
    private static string LocalText(DateTimeOffset at, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(at, zone).ToString("ddd HH:mm", CultureInfo.InvariantCulture) + " " + zone.Id;

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    public static string Words(ReceivingState state) => state switch
    {
        ReceivingState.Receiving => "receiving",
        ReceivingState.BuyerPaused => "buyer paused",
        ReceivingState.ContractPaused => "paused",
        ReceivingState.AutoPaused => "auto-paused",
        ReceivingState.CampaignPaused => "campaign paused",
        ReceivingState.CapReached => "capped out",
        ReceivingState.OutsideSchedule => "outside schedule",
        ReceivingState.CircuitOpen => "circuit open",
        _ => "no contracts",
    };
}
