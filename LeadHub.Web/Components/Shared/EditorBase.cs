using System.Text.Json;
using LeadHub.Core.Workspace;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace LeadHub.Web.Components.Shared;

// Base of the four configuration editors (campaign, publisher, buyer, contract): what each of
// them needs and used to write itself.
// - Loads once per key: the same page instance serves /x/new and, after creating, /x/{key};
//   a re-render with the same key keeps what was typed.
// - Loading state: an existing object shows a progress bar until its stored values are in (a
//   save before that would write an empty form over them); a new one renders at once.
// - Reads its one object from the routing snapshot (WorkspaceQueries), never the whole export.
// - Save: a new key that exists is refused, and every WorkspaceError path becomes the error of
//   its field (FormErrors), the form keeping what was typed.
// - Delete: refused with the reason when the object is in use (DeleteRefusal); deactivate
//   instead, through WorkspaceService.SetActiveAsync.
// - After a failed save every render checks the form again (Draft), so an error disappears as
//   soon as its field is fixed and the banner with the last one.
// - Unsaved changes: the form differs from what was loaded or last saved (HasUnsavedChanges);
//   EditorShell asks before leaving then.
// The page's look (header, sticky action bar, banners) is EditorShell's, the same for all four.
public abstract class EditorBase<TModel> : PortalPage where TModel : class
{
    [Inject] protected WorkspaceService Workspace { get; set; } = default!;
    [Inject] protected WorkspaceQueries Config { get; set; } = default!;
    [Inject] protected NavigationManager Navigation { get; set; } = default!;

    // "campaign", "publisher", "buyer", "contract": as WorkspaceService names them.
    protected abstract string Kind { get; }

    // The key of the object edited; null for a new one.
    protected abstract string? EditKey { get; }

    // The JSON path of the object in the document a save imports, e.g. "$.campaigns[0]".
    protected abstract string ErrorPrefix { get; }

    // What changes the page's object: by default the key (a contract adds its buyer's).
    protected virtual string LoadKey => EditKey ?? "";

    protected bool IsNew => EditKey is null;

    // The object as stored (null while new, or when there is no such object).
    protected TModel? Stored { get; private set; }
    protected bool NotFound { get; set; }
    protected FormErrors Errors { get; set; } = FormErrors.None;
    protected string? DeleteRefusal { get; set; }
    protected bool Busy { get; set; }

    private string? _loadedFor;
    private bool _loading;
    private string? _savedFingerprint;

    // What a save of the form imports: the key, the document, and the form's own problems
    // (checks the validator cannot make, e.g. text that is not a number).
    protected sealed record EditorDraft(string Key, WorkspaceDocument Document, IReadOnlyList<WorkspaceError> Problems);

    // The form as it is now; also what re-checking and the unsaved-changes test look at.
    protected abstract EditorDraft Draft();

    // What tells one state of the form from another; an editor with input the document does not
    // hold (text that does not parse) adds it.
    protected virtual string Fingerprint() => JsonSerializer.Serialize(Draft().Document, WorkspaceJson.Options);

    // Edits a viewer cannot make, or a page without a form, never count as unsaved.
    public bool HasUnsavedChanges() =>
        CanEdit && !Loading && !NotFound && _savedFingerprint is not null && Fingerprint() != _savedFingerprint;

    // The form now counts as saved (after loading, after a save).
    protected void MarkSaved() => _savedFingerprint = Fingerprint();

    protected override bool ShouldRender()
    {
        // Re-checked on every change after a failed save: fixed fields lose their error at once.
        if (Errors.Any && !Busy && !Loading && !NotFound) Errors = new FormErrors(Check(Draft()), ErrorPrefix);
        return base.ShouldRender();
    }

    // The errors a save of `draft` would meet, without saving: the form's own problems and a taken
    // key first, then the validator against the current configuration.
    private List<WorkspaceError> Check(EditorDraft draft)
    {
        var errors = new List<WorkspaceError>(draft.Problems);
        if (IsNew && DuplicateOf(draft.Key) is { } duplicate) errors.Add(new WorkspaceError($"{ErrorPrefix}.key", duplicate));
        if (errors.Count == 0) errors.AddRange(Workspace.Check(draft.Document));
        return errors;
    }

    // The first render comes before loading has begun: an existing object is loading from the start.
    protected virtual bool Loading => _loading || (!IsNew && _loadedFor != LoadKey);

    // The stored object of this key, from the snapshot.
    protected abstract TModel? Find(string key);

    // Fills the form from what is stored.
    protected abstract void Show(TModel stored);

    // The refusal of a new key that is taken, or null.
    protected virtual string? DuplicateOf(string key) => Find(key) is null ? null : $"a {Kind} '{key}' already exists";

    protected override async Task OnParametersSetAsync()
    {
        await base.OnParametersSetAsync();
        var target = LoadKey;
        if (_loadedFor == target) return;
        _loading = true;
        _loadedFor = target;
        Errors = FormErrors.None;
        DeleteRefusal = null;
        _savedFingerprint = null;
        try
        {
            await LoadAsync();
        }
        finally
        {
            _loading = false;
        }
        if (!NotFound) MarkSaved();
    }

    // Loads the page's object; an editor that needs more (a contract's buyer) overrides it.
    protected virtual Task LoadAsync()
    {
        Reload(resetForm: true);
        return Task.CompletedTask;
    }

    // Reads the object again; `resetForm` replaces what the form holds with it.
    protected void Reload(bool resetForm)
    {
        NotFound = false;
        Stored = null;
        if (IsNew) return;
        Stored = Find(EditKey!);
        NotFound = Stored is null;
        if (Stored is not null && resetForm) Show(Stored);
    }

    // Imports `document` unless `problems` (the form's own checks) or a taken key refuse it first.
    // Errors show next to their fields; true when saved (then the stored object is read again).
    protected async Task<bool> SaveDocumentAsync(string key, WorkspaceDocument document, IEnumerable<WorkspaceError>? problems = null)
    {
        var errors = new List<WorkspaceError>(problems ?? []);
        if (IsNew && DuplicateOf(key) is { } duplicate) errors.Add(new WorkspaceError($"{ErrorPrefix}.key", duplicate));
        if (errors.Count == 0) errors.AddRange(await Workspace.ImportAsync(document, Actor));
        if (errors.Count > 0)
        {
            // The form keeps what the user typed; each error shows next to its field.
            Errors = new FormErrors(errors, ErrorPrefix);
            return false;
        }
        Errors = FormErrors.None;
        if (!IsNew) Reload(resetForm: true);
        MarkSaved();
        return true;
    }

    // Saves the form as Draft builds it.
    protected Task<bool> SaveDraftAsync()
    {
        var draft = Draft();
        return SaveDocumentAsync(draft.Key, draft.Document, draft.Problems);
    }

    // Deletes the stored object; false with DeleteRefusal set when refused (in use).
    protected async Task<bool> DeleteStoredAsync()
    {
        if (IsNew) return false;
        DeleteRefusal = await Workspace.DeleteAsync(Kind, EditKey!, Actor);
        return DeleteRefusal is null;
    }

    // Activates or deactivates what is stored, not the form: unsaved edits are not saved along the way.
    protected async Task<ActiveChange> SetStoredActiveAsync(bool active)
    {
        if (IsNew) return ActiveChange.NotFound;
        var change = await Workspace.SetActiveAsync(Kind, EditKey!, active, Actor);
        DeleteRefusal = null;
        if (change != ActiveChange.NotFound) Reload(resetForm: false);
        return change;
    }
}
