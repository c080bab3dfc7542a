using LeadHub.Core.Storage;

namespace LeadHub.Core.Leads;

// What the database already knows that new leads must be checked against: the leads of repeated
// Idempotency-Keys, and earlier leads with the same phones or emails (read by the writer with
// three index lookups per batch, not per lead; each side of the dedupe "or" has its own index).
public sealed record Known(
    IReadOnlyDictionary<(string Publisher, string Key), LeadRow> Replays,
    ILookup<(string Campaign, string Key), (DateTimeOffset At, bool Test)> Phones,
    ILookup<(string Campaign, string Key), (DateTimeOffset At, bool Test)> Emails)
{
    public static readonly ILookup<(string, string), (DateTimeOffset, bool)> None =
        Array.Empty<(string, string)>().ToLookup(x => x, _ => (DateTimeOffset.MinValue, false));

    // What most reads find: a lead that repeats nobody costs no dictionary or lookups.
    public static readonly Known Nothing = new(new Dictionary<(string, string), LeadRow>(), None, None);
}

// Whether a new lead repeats an earlier one (CONTRACT §1 Idempotency-Key, §3.2 dedupe): pure, so
// the rules are tested by tables (DedupeRulesTests); the writer applies them inside its write.
public static class Dedupe
{
    public static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(24);

    // The same publisher's Idempotency-Key within 24 hours names the same lead; after that, a new one.
    public static bool IsReplay(NewLead lead, Known known, out LeadRow? first)
    {
        first = null;
        return lead.IdempotencyKey is not null
               && known.Replays.TryGetValue((lead.PublisherKey, lead.IdempotencyKey), out first)
               && first.ReceivedAt > lead.ReceivedAt - IdempotencyWindow;
    }

    // The same phone or email in the same campaign since the window's start, among valid leads of
    // the same kind (a test lead never makes a real one a duplicate).
    public static bool IsDuplicate(NewLead lead, DateTimeOffset? dedupeSince, Known known)
    {
        if (dedupeSince is not { } since) return false;
        bool SeenBefore(ILookup<(string, string), (DateTimeOffset At, bool Test)> hits, string? key) =>
            key is not null && hits[(lead.CampaignKey, key)].Any(h => h.At >= since && h.Test == lead.Test);
        return SeenBefore(known.Phones, lead.PhoneKey) || SeenBefore(known.Emails, lead.EmailKey);
    }
}
