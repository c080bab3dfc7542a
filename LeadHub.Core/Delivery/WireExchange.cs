using System.Text;

namespace LeadHub.Core.Delivery;

// The raw request and answer of one ping or post, recorded only while a "try it" call has set
// Current; on the routing path Current is null and nothing is copied.
public sealed class WireExchange
{
    private static readonly AsyncLocal<WireExchange?> Slot = new();

    public static WireExchange? Current => Slot.Value;

    public string? Request { get; private set; }
    public int? Status { get; private set; }
    public string? Response { get; private set; }

    public static WireExchange Begin() => Slot.Value = new WireExchange();

    // Credentials stay secret even from the admin trying the contract out: Authorization shows its
    // scheme only, and every secret value (also base64-encoded, as in Basic) is blanked wherever it stands.
    public async Task RecordAsync(HttpRequestMessage message, IEnumerable<string> secrets)
    {
        var text = new StringBuilder($"{message.Method} {message.RequestUri}\n");
        foreach (var (name, values) in message.Headers.Concat(message.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>()))
        {
            var value = name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
                ? (values.FirstOrDefault()?.Split(' ')[0] ?? "") + " ***"
                : string.Join(", ", values);
            text.Append(name).Append(": ").Append(value).Append('\n');
        }
        if (message.Content is not null) text.Append('\n').Append(await message.Content.ReadAsStringAsync());
        foreach (var secret in secrets)
        {
            text.Replace(secret, "***").Replace(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), "***")
                .Replace(Uri.EscapeDataString(secret), "***");
        }
        Request = text.ToString();
    }

    public void Record(ExchangeResult result)
    {
        switch (result)
        {
            case ExchangeResult.Answered a:
                Status = a.Status;
                Response = a.Body;
                break;
            case ExchangeResult.Failed f:
                Response = "(no answer read: " + f.Reason + ")";
                break;
            default:
                Response = "(no answer in time)";
                break;
        }
    }
}
