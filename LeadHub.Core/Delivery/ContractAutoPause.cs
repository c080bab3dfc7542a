using LeadHub.Core.Workspace;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeadHub.Core.Delivery;

// Turns BuyerHealth's "too many post errors today" into a paused contract in the configuration,
// so it shows as paused everywhere and stays paused after a restart until someone resumes it.
public sealed class ContractAutoPause(BuyerHealth health, WorkspaceService workspace, ILogger<ContractAutoPause> log) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        health.PauseRequested += OnPauseRequested;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        health.PauseRequested -= OnPauseRequested;
        return Task.CompletedTask;
    }

    // Raised on the routing path: the configuration write happens off it.
    private void OnPauseRequested(string contract, string reason) => _ = Task.Run(async () =>
    {
        try
        {
            if (await workspace.SetContractActiveAsync(contract, active: false, actor: "buyer-health"))
                log.LogWarning("Contract {Contract} auto-paused: {Reason}", contract, reason);
        }
        catch (Exception e)
        {
            log.LogError(e, "Could not auto-pause contract {Contract}", contract);
        }
    });
}
