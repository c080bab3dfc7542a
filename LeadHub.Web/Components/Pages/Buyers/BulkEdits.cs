using LeadHub.Core.Workspace;
using MudBlazor;

namespace LeadHub.Web.Components.Pages.Buyers;

// One row of a bulk edit's confirmation: the object and what it is now.
public sealed record BulkTarget(string Key, string Now, ContractConfig? Contract = null, BuyerConfig? Buyer = null);

// The one UI pattern for pausing, resuming, floors and caps of one or many buyers or contracts:
// a dialog that shows exactly what will change (and asks why, for a pause), then
// WorkspaceService.BulkEditAsync. Pages check the role first (EnsureCanEdit).
public static class BulkEdits
{
    public static string Title(string action, string kind, int count) =>
        $"{action switch
        {
            BulkActions.Pause => "Pause",
            BulkActions.Resume => "Resume",
            BulkActions.SetMinBid => "Set the floor (min bid) of",
            _ => "Set the caps of",
        }} {count} {kind}{(count == 1 ? "" : "s")}";

    // Null when the manager cancelled; else what the service did.
    public static async Task<BulkChange?> RunAsync(IDialogService dialogs, WorkspaceService workspace, string kind, string action,
        IReadOnlyList<BulkTarget> targets, string actor)
    {
        if (targets.Count == 0) return null;
        var dialog = await dialogs.ShowAsync<BulkEditDialog>(Title(action, kind, targets.Count), new DialogParameters<BulkEditDialog>
        {
            { d => d.Kind, kind },
            { d => d.Action, action },
            { d => d.Targets, targets },
        }, new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, BackdropClick = false });   // a stray click keeps what was typed
        var result = await dialog.Result;
        if (result is null || result.Canceled || result.Data is not BulkEdit edit) return null;
        return await workspace.BulkEditAsync(kind, targets.Select(t => t.Key).ToList(), edit, actor);
    }

    // What the snackbar says after a bulk edit.
    public static (string Text, Severity Severity) Outcome(BulkChange change, string kind, string action, int asked)
    {
        if (change.Unknown.Count > 0) return ($"Nothing changed: unknown {kind} {string.Join(", ", change.Unknown)}.", Severity.Error);
        if (change.Errors.Count > 0) return ($"Nothing changed: {string.Join("; ", change.Errors.Select(e => e.Message))}.", Severity.Error);
        var verb = action switch
        {
            BulkActions.Pause => "paused",
            BulkActions.Resume => "resumed",
            BulkActions.SetMinBid => "given the new floor",
            _ => "given the new caps",
        };
        var unchanged = asked - change.Changed.Count;
        return ($"{change.Changed.Count} {kind}{(change.Changed.Count == 1 ? "" : "s")} {verb}" +
            (unchanged > 0 ? $"; {unchanged} already as asked (or not applicable)." : "."), Severity.Success);
    }
}
