using LeadHub.Core.Workspace;

namespace LeadHub.Core.Delivery;

// Every contract, both phases: build the request from the contract's format (the reference JSON
// of CONTRACT §2 by default), one bounded exchange (BuyerExchange), read the answer by the same
// format. No retries: a ping that fails is a pass, and a retried post could sell the same lead twice.
public sealed class HttpBuyerTransport(HttpMessageInvoker http) : IBuyerTransport
{
    public const string ClientName = "buyers";

    public async Task<PingResult> PingAsync(ContractSnapshot contract, PingRequest request, CancellationToken ct)
    {
        if (contract.Format.Ping is not { } phase) return PingResult.Failed("a direct-post contract is never pinged");
        return await ExchangeAsync(contract, phase, FormatValues.Of(request), ct) switch
        {
            ExchangeResult.Answered a => phase.Response.ReadPing(a.Status, a.Body),
            ExchangeResult.Failed f => PingResult.Failed(f.Reason),
            _ => PingResult.TimedOut(),
        };
    }

    public async Task<PostResult> PostAsync(ContractSnapshot contract, PostRequest request, CancellationToken ct)
    {
        var phase = contract.Format.Post;
        return await ExchangeAsync(contract, phase, FormatValues.Of(request, contract.Config.Campaign), ct) switch
        {
            ExchangeResult.Answered a => phase.Response.ReadPost(a.Status, a.Body),
            ExchangeResult.Failed f => PostResult.Failed(f.Reason),
            _ => PostResult.TimedOut(),
        };
    }

    private async Task<ExchangeResult> ExchangeAsync(ContractSnapshot contract, CompiledPhase phase, FormatValues values, CancellationToken ct)
    {
        var format = contract.Format;
        using var message = phase.Build(values, format.Secrets);
        if (message is null) return new ExchangeResult.Failed("request template failed (or its URL is not a valid http(s) URL)");
        format.Authorize(message);
        var tap = WireExchange.Current;
        if (tap is not null) await tap.RecordAsync(message, format.SecretValues());
        var result = await BuyerExchange.SendAsync(http, message, format.MaxAnswerBytes, ct);
        tap?.Record(result);
        return result;
    }
}
