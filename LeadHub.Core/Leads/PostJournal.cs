using System.Text.Json;
using LeadHub.Core.Routing;
using LeadHub.Core.Storage;

namespace LeadHub.Core.Leads;

// The durable side of every post, through the lead writer so intents group-commit with the
// other lead writes. A post leaves only after its intent is committed; the outcome of a post the
// buyer did not accept is queued right away (not awaited: the writer commits in queue order, so it
// is durable before the next intent of the lead, or the finish, is). An accepted post's outcome is
// written by the lead's finish, in the same transaction as the sale (a shared sale's right away). So at any moment a lead has at
// most one intent without an outcome: the post that may be in flight, the one a crash can hide.
public sealed class PostJournal(LeadWriter writer, CrashPoints crash, TimeProvider time) : IPostJournal
{
    public async Task BeforePostAsync(AuctionLead lead, Offer offer, int seq)
    {
        crash.Reached(CrashPoints.AfterPings);
        await writer.IntendAsync(new PostIntentRow
        {
            LeadId = lead.LeadId, Seq = seq, BuyerKey = offer.Contract.Buyer.Key, ContractKey = offer.Contract.Key,
            Tier = offer.Tier, Price = offer.Price, At = time.GetUtcNow(),
            DataJson = JsonSerializer.Serialize(new PostIntentData(offer.Captured), Json),
        });
        crash.Reached(CrashPoints.AfterPostIntent);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // What a re-post to the same buyer must carry again: the values captured from its ping answer.
    public static IReadOnlyDictionary<string, string>? CapturedOf(PostIntentRow intent) =>
        JsonSerializer.Deserialize<PostIntentData>(intent.DataJson, Json)?.Captured;

    // A shared sale's acceptance is queued at once too: the next shared post's intent is committed
    // after it, so a crash never leaves a lead with two posts without an outcome.
    public void AfterPost(AuctionLead lead, Offer offer, int seq, string outcome)
    {
        crash.Reached(CrashPoints.AfterBuyerAnswered);
        if (outcome != TraceOutcomes.Accepted || offer.Shared) writer.Answered(lead.LeadId, seq, outcome);
    }
}

public sealed record PostIntentData(IReadOnlyDictionary<string, string>? Captured);
