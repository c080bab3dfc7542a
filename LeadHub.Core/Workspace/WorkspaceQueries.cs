using LeadHub.Core.Security;

namespace LeadHub.Core.Workspace;

// The read side of the configuration for pages: what the routing snapshot holds (every change
// reaches it at once, on every node), shown as the export shows it: buyer URLs without their
// credentials. Reading it costs no database round trip.
public sealed class WorkspaceQueries(RoutingSnapshotHolder snapshots)
{
    private RoutingSnapshot Current => snapshots.Current;

    // The whole configuration in key order, as WorkspaceService.ExportAsync gives it.
    public WorkspaceDocument Document()
    {
        var current = Current;
        return new WorkspaceDocument
        {
            Campaigns = current.Campaigns.Values.Select(c => c.Config).OrderBy(c => c.Key, StringComparer.Ordinal).ToList(),
            Publishers = current.Publishers.Values.Select(p => p.Config).OrderBy(p => p.Key, StringComparer.Ordinal).ToList(),
            Buyers = current.Buyers.Values.Select(b => Redacted(b.Config)).OrderBy(b => b.Key, StringComparer.Ordinal).ToList(),
        };
    }

    public IReadOnlyList<CampaignConfig> Campaigns() =>
        Current.Campaigns.Values.Select(c => c.Config).OrderBy(c => c.Key, StringComparer.Ordinal).ToList();

    public CampaignConfig? Campaign(string? key) =>
        key is not null && Current.Campaigns.TryGetValue(key, out var c) ? c.Config : null;

    public PublisherConfig? Publisher(string? key) =>
        key is not null && Current.Publishers.TryGetValue(key, out var p) ? p.Config : null;

    public BuyerConfig? Buyer(string? key) =>
        key is not null && Current.Buyers.TryGetValue(key, out var b) ? Redacted(b.Config) : null;

    // The buyer that owns a contract key (keys are unique across buyers).
    public string? OwnerOfContract(string? contractKey) =>
        contractKey is not null && Current.Contracts.TryGetValue(contractKey, out var c) ? c.Buyer.Key : null;

    public bool HasApiKey(string kind, string key) => kind switch
    {
        "publisher" => Current.Publishers.TryGetValue(key, out var p) && p.ApiKeyHash is not null,
        "buyer" => Current.Buyers.TryGetValue(key, out var b) && b.ApiKeyHash is not null,
        _ => false,
    };

    private static BuyerConfig Redacted(BuyerConfig b) => b with
    {
        Contracts = b.Contracts.Select(c => c with { PingUrl = UrlCredentials.Redact(c.PingUrl), PostUrl = UrlCredentials.Redact(c.PostUrl) }).ToList(),
    };
}
