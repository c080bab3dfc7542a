using LeadHub.Core.Routing;
using LeadHub.Core.Storage;

namespace LeadHub.Core.Leads;

// A coded reason a publisher reads in every answer and postback (docs/REASON-CODES.md, generated
// from this list and checked by a test). A code and its text never name a buyer or a price.
public sealed record ReasonCode(string Code, int HttpStatus, string Meaning, string WhatToDo);

// The one list of reason codes. Add a code here, then run ReasonCodeTests to rewrite the doc.
public static class ReasonCodes
{
    public const string InvalidField = "invalid_field", Duplicate = "duplicate", Suppressed = "suppressed",
        ConsentMissing = "consent_missing", NoEligibleBuyer = "no_eligible_buyer", BelowFloor = "below_floor",
        BuyersRejected = "buyers_rejected", CapReached = "cap_reached", OutsideSchedule = "outside_schedule", NoBids = "no_bids",
        SubIdBlocked = "sub_id_blocked", NotAllowed = "not_allowed", UnknownCampaign = "unknown_campaign",
        RateLimited = "rate_limited", TooLarge = "too_large", BadRequest = "bad_request",
        Unauthorized = "unauthorized", UnknownPing = "unknown_ping", PingAlreadyPosted = "ping_already_posted";

    public static readonly IReadOnlyList<ReasonCode> All =
    [
        new(InvalidField, 422, "One or more fields failed the campaign's validation; `errors` names each field.",
            "Fix the named fields at the source; the lead is stored quarantined and is not routed."),
        new(Duplicate, 200, "The same person (phone or e-mail) was already received in this campaign within its dedupe window.",
            "Do not resend the lead; check your own de-duplication before posting."),
        new(Suppressed, 200, "The phone or e-mail is on a do-not-contact or litigator list that applies to this campaign.",
            "Remove the person from your traffic; do not resend."),
        new(ConsentMissing, 422, "The campaign requires consent evidence (consent text or a certificate URL) that the lead did not carry.",
            "Capture the consent text and the TrustedForm / Jornaya certificate on your form and send them with the lead."),
        new(NoEligibleBuyer, 200, "No buyer's filters matched the lead (or the campaign is paused), so no buyer was asked.",
            "Check that the lead's state, zip and other fields fit the campaign's buying criteria."),
        new(BelowFloor, 200, "Buyers bid, but no bid reached the campaign's minimum price.",
            "Send better-qualified traffic, or ask your account manager about this campaign's floor."),
        new(BuyersRejected, 200, "Buyers were offered the lead and every one of them rejected it (or did not answer the post in time).",
            "Check lead quality (contact data, intent); the rejections are not billed."),
        new(CapReached, 200, "Every buyer that would take this lead has reached its daily, weekly or monthly limit.",
            "Slow down or send later in the day; capacity returns when the buyers' caps reset."),
        new(OutsideSchedule, 200, "The buyers that would take this lead are not buying at this time of day or week.",
            "Send during the campaign's buying hours."),
        new(NoBids, 200, "Buyers were asked and none answered with a bid in time.",
            "Nothing to fix in the lead itself; demand is low right now. Try again later or another campaign."),
        new(SubIdBlocked, 403, "Leads from this sub-id of your account are refused (usually after a quality review).",
            "Stop sending this source and contact your account manager."),
        new(NotAllowed, 403, "Your account may not post to this campaign.",
            "Ask your account manager to enable the campaign for you."),
        new(UnknownCampaign, 404, "There is no campaign with the key you sent.",
            "Check the `campaign` value against the keys you were given."),
        new(RateLimited, 429, "You sent more leads per second than your account allows.",
            "Wait the `Retry-After` seconds and resend; spread your traffic."),
        new(TooLarge, 413, "The request body is larger than the allowed size.",
            "Send only the campaign's fields; remove large or unused values."),
        new(BadRequest, 400, "The request is not a JSON object with `campaign` and `fields`, or a member has the wrong type.",
            "Fix the request shape; `errors` names what is wrong."),
        new(Unauthorized, 401, "The X-Api-Key header is missing, unknown or belongs to an inactive account.",
            "Send your active publisher key in the X-Api-Key header."),
        new(UnknownPing, 404, "There is no ping with this id for your account.",
            "Post the lead for a ping id you received from POST /api/v1/pings."),
        new(PingAlreadyPosted, 409, "A lead was already posted for this ping; `leadId` names it.",
            "Do not post a ping twice; ping again for a new lead."),
    ];

    public static readonly IReadOnlyDictionary<string, ReasonCode> ByCode = All.ToDictionary(c => c.Code);

    // An unsold lead's reason, from what its routing did: the furthest the lead got decides
    // (a post that was rejected says more than a ping that passed). `reason` is the stored text;
    // a stage that refused the lead before routing may put its code first ("suppressed: …").
    public static string ForUnsold(string? reason, IReadOnlyList<TraceStep> trace)
    {
        if (reason is not null)
        {
            var head = reason.Split(':', 2)[0];
            if (ByCode.ContainsKey(head)) return head;
            if (reason == Settle.CampaignPaused) return NoEligibleBuyer;
        }
        if (trace.Any(s => s.Kind == TraceKinds.Post && TraceOutcomes.Rejections.Contains(s.Outcome))) return BuyersRejected;
        if (trace.Any(IsBelowFloor)) return BelowFloor;
        if (trace.Any(s => s.Outcome == TraceOutcomes.Skipped && IsCap(s.Reason))) return CapReached;
        if (trace.Any(s => s.Kind == TraceKinds.Ping && s.Outcome is TraceOutcomes.Bid or TraceOutcomes.Pass or TraceOutcomes.Timeout or TraceOutcomes.Error))
            return NoBids;
        // Nobody was asked: every contract was skipped before its ping.
        var skipped = trace.Where(s => s.Outcome == TraceOutcomes.Skipped).ToList();
        if (skipped.Count > 0 && skipped.All(s => s.Reason?.StartsWith("outside schedule", StringComparison.Ordinal) == true)) return OutsideSchedule;
        return NoEligibleBuyer;
    }

    // A ping answer's code: null when there is an offer.
    public static string? ForPing(decimal offer, IReadOnlyList<TraceStep> trace) => offer > 0 ? null : ForUnsold(null, trace);

    // The code of a processed lead's final status; null when it sold (or waits for a manager).
    public static string? ForStatus(string status, string? reason, IReadOnlyList<TraceStep> trace) => status switch
    {
        LeadStatus.Unsold => ForUnsold(reason, trace),
        LeadStatus.Duplicate => reason?.Split(':', 2)[0] is { } head && ByCode.ContainsKey(head) ? head : Duplicate,
        LeadStatus.Invalid => InvalidField,
        _ => null,
    };

    // A stored trace row as the step it was, for classifying a lead read back from the database.
    public static TraceStep StepOf(TraceStepRow r) =>
        new(r.Kind, r.Buyer, r.Contract, r.Tier, r.Outcome, r.Bid, r.Price, r.Reason, r.LatencyMs, r.At);

    private static bool IsBelowFloor(TraceStep s) =>
        s.Reason is { } r && (r.StartsWith("below floor", StringComparison.Ordinal) || r.StartsWith("fixed price below floor", StringComparison.Ordinal)
            || r.StartsWith("re-ping: bid expired; below floor", StringComparison.Ordinal));

    // The cap ledger says "cap reached: …" or "budget reached: …" (CapPeriods.Describe); the auction "cap reached before post".
    private static bool IsCap(string? reason) => reason is not null
        && (reason.StartsWith("cap reached", StringComparison.Ordinal) || reason.StartsWith("budget reached", StringComparison.Ordinal));
}
