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

    public async Task RecordAsync(HttpRequestMessage message)
    {
        var text = new StringBuilder($"{message.Method} {message.RequestUri}\n");
        foreach (var (name, values) in message.Headers.Concat(message.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>()))
        {
            // Credentials stay secret even from the admin trying the contract out.
            var value = name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
                ? (values.FirstOrDefault()?.Split(' ')[0] ?? "") + " ***"
                : string.Join(", ", values);
            text.Append(name).Append(": ").Append(value).Append('\n');
        }
        if (message.Content is not null) text.Append('\n').Append(await message.Content.ReadAsStringAsync());
        Request = text.ToString();
    }

    public async Task RecordAsync(HttpResponseMessage response, CancellationToken ct)
    {
        Status = (int)response.StatusCode;
        Response = await response.Content.ReadAsStringAsync(ct);
    }
}
