using LeadHub.Core.Leads;
using LeadHub.Core.Storage;

namespace LeadHub.Tests.Leads;

// The dedupe and idempotency rules as tables: no database, no host.
public sealed class DedupeRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static NewLead Lead(string? phone = "+14155550100", string? email = "a@example.com", bool test = false, string? key = null) =>
        new(Guid.NewGuid(), "auto", "pub", null, null, key, test, LeadStatus.Routing, "{}", null, phone, email, Now, null, null, null);

    private static Known Earlier(string campaign, string? phone, string? email, DateTimeOffset at, bool test = false) => new(Known.Nothing.Replays,
        new[] { (campaign, phone) }.Where(p => p.phone is not null).ToLookup(p => (p.campaign, p.phone!), _ => (at, test)),
        new[] { (campaign, email) }.Where(p => p.email is not null).ToLookup(p => (p.campaign, p.email!), _ => (at, test)));

    public static TheoryData<string, NewLead, Known, bool> Duplicates() => new()
    {
        { "same phone, same campaign, inside the window", Lead(email: "b@example.com"), Earlier("auto", "+14155550100", null, Now.AddDays(-3)), true },
        { "same email, another phone", Lead(phone: "+14155550199"), Earlier("auto", null, "a@example.com", Now.AddDays(-1)), true },
        { "same phone, another campaign", Lead(), Earlier("solar", "+14155550100", "a@example.com", Now.AddDays(-1)), false },
        { "same phone, before the window", Lead(), Earlier("auto", "+14155550100", "a@example.com", Now.AddDays(-31)), false },
        { "same phone, exactly at the window's start", Lead(), Earlier("auto", "+14155550100", null, Now.AddDays(-30)), true },
        { "earlier test lead does not make a real one a duplicate", Lead(), Earlier("auto", "+14155550100", null, Now.AddDays(-1), test: true), false },
        { "test lead against an earlier test lead", Lead(test: true), Earlier("auto", "+14155550100", null, Now.AddDays(-1), test: true), true },
        { "no phone, no email: never a duplicate", Lead(phone: null, email: null), Earlier("auto", "+14155550100", "a@example.com", Now), false },
        { "nothing seen before", Lead(), Known.Nothing, false },
    };

    [Theory]
    [MemberData(nameof(Duplicates))]
    public void A_lead_is_a_duplicate_only_of_the_same_person_in_the_same_campaign_within_the_window(string _, NewLead lead, Known known, bool duplicate)
    {
        Assert.Equal(duplicate, Dedupe.IsDuplicate(lead, Now.AddDays(-30), known));
    }

    [Fact]
    public void An_invalid_lead_is_never_judged_a_duplicate()
    {
        Assert.False(Dedupe.IsDuplicate(Lead(), null, Earlier("auto", "+14155550100", "a@example.com", Now)));
    }

    [Theory]
    [InlineData("same key, other publisher", "other", "k1", -1, false)]
    [InlineData("same key, same publisher, an hour ago", "pub", "k1", -1, true)]
    [InlineData("same key, same publisher, 25 hours ago", "pub", "k1", -25, false)]
    [InlineData("other key", "pub", "k2", -1, false)]
    public void An_idempotency_key_names_the_same_lead_for_24_hours_per_publisher(string _, string publisher, string key, int hoursAgo, bool replay)
    {
        var first = new LeadRow { PublisherKey = publisher, IdempotencyKey = key, ReceivedAt = Now.AddHours(hoursAgo) };
        var known = new Known(new Dictionary<(string, string), LeadRow> { [(publisher, key)] = first }, Known.None, Known.None);

        Assert.Equal(replay, Dedupe.IsReplay(Lead(key: "k1"), known, out var found));
        if (replay) Assert.Same(first, found);
    }
}
