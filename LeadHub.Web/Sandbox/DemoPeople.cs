namespace LeadHub.Web.Sandbox;

// Realistic fake people for demo traffic: valid US phones and ZIPs per state, a few invalid
// leads (bad phone, no consent) and a few duplicates of recent people.
public sealed class DemoPeople
{
    private static readonly string[] FirstNames = ["Ana", "James", "Maria", "Robert", "Linda", "Michael", "Sofia", "David", "Emily", "Daniel", "Grace", "Luis", "Olivia", "Noah", "Chloe", "Ethan"];
    private static readonly string[] LastNames = ["Ruiz", "Smith", "Johnson", "Garcia", "Brown", "Lee", "Martinez", "Davis", "Clark", "Nguyen", "Patel", "Walker", "Young", "King"];

    private static readonly (string State, string Zip, string Area)[] Places =
    [
        ("CA", "94107", "415"), ("CA", "90012", "213"), ("NY", "10001", "212"), ("TX", "73301", "512"), ("TX", "75201", "214"),
        ("FL", "33101", "305"), ("AZ", "85004", "602"), ("NV", "89101", "702"), ("WA", "98101", "206"), ("OR", "97201", "503"),
        ("IL", "60601", "312"), ("GA", "30303", "404"), ("NC", "27601", "919"), ("CO", "80202", "303"), ("NM", "87102", "505"),
    ];

    private readonly Dictionary<string, object>[] _recent = new Dictionary<string, object>[64];
    private int _next;

    public object Lead(string campaign, string publisher)
    {
        var roll = Random.Shared.NextDouble();
        Dictionary<string, object> fields;
        if (roll < 0.04 && _recent[Random.Shared.Next(_recent.Length)] is { } again)
        {
            fields = new Dictionary<string, object>(again);
        }
        else
        {
            fields = Person();
            _recent[_next++ % _recent.Length] = fields;
        }
        AddCampaignFields(campaign, fields);
        if (roll is > 0.96 and < 0.98) fields["phone"] = "555-12";
        else if (roll >= 0.98) fields["tcpa_consent"] = false;
        return new { campaign, subId = SubIds[Random.Shared.Next(SubIds.Length)], externalId = $"{publisher}-{Guid.NewGuid():N}", fields };
    }

    private static readonly string[] SubIds = ["fb-spring", "google-search", "tiktok-a", "email-nov", "native-b"];

    private static Dictionary<string, object> Person()
    {
        var (state, zip, area) = Places[Random.Shared.Next(Places.Length)];
        var first = FirstNames[Random.Shared.Next(FirstNames.Length)];
        var last = LastNames[Random.Shared.Next(LastNames.Length)];
        // Exchange 200–999 but never 555, so the number is a real-looking, valid one.
        var exchange = Random.Shared.Next(200, 1000);
        if (exchange == 555) exchange = 556;
        return new Dictionary<string, object>
        {
            ["first_name"] = first,
            ["last_name"] = last,
            ["email"] = $"{first}.{last}{Random.Shared.Next(1, 100000)}@example.com".ToLowerInvariant(),
            ["phone"] = $"({area}) {exchange}-{Random.Shared.Next(0, 10000):0000}",
            ["zip"] = zip,
            ["state"] = state,
            ["tcpa_consent"] = true,
        };
    }

    private static void AddCampaignFields(string campaign, Dictionary<string, object> f)
    {
        var r = Random.Shared;
        switch (campaign)
        {
            case "auto-insurance":
                f["age"] = r.Next(18, 85);
                f["homeowner"] = r.NextDouble() < 0.6;
                f["vehicle_year"] = r.Next(2005, 2027);
                f["coverage"] = new[] { "liability", "full", "comprehensive" }[r.Next(3)];
                break;
            case "solar":
                f["homeowner"] = r.NextDouble() < 0.8;
                f["monthly_electric_bill"] = Math.Round(40 + r.NextDouble() * 360, 2);
                f["roof_type"] = new[] { "asphalt", "tile", "metal", "flat" }[r.Next(4)];
                f["credit_score"] = new[] { "excellent", "good", "fair", "poor" }[r.Next(4)];
                break;
            case "mortgage":
                f["age"] = r.Next(22, 80);
                f["loan_type"] = new[] { "purchase", "refinance", "reverse" }[r.Next(3)];
                f["loan_amount"] = r.Next(60, 900) * 1000;
                f["property_value"] = r.Next(100, 1500) * 1000;
                f["credit_score"] = new[] { "excellent", "good", "fair", "poor" }[r.Next(4)];
                break;
        }
    }
}
