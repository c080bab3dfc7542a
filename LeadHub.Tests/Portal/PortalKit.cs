using AngleSharp.Dom;
using Bunit;
using LeadHub.Core.Storage;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

// Small helpers for driving MudBlazor inputs in the portal page tests.
public static class PortalKit
{
    public const string Manager = "manager@leadhub.test", Admin = "admin@leadhub.test";

    // For waits on work done by the server side of a page (a save, a delete) on a busy machine.
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    // For what a page stored, read back through a service. Not inside WaitForAssertion: its check runs
    // on the renderer's thread, and blocking there on a read that is really asynchronous (PostgreSQL's)
    // held up the page's own save, whose transaction then never finished (the test hung).
    public static async Task UntilAsync(Func<Task<bool>> stored)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!await stored())
        {
            if (waited.Elapsed > Wait) throw new TimeoutException($"not stored within {Wait.TotalSeconds} s");
            await Task.Delay(50);
        }
    }

    // The message MudBlazor shows under the input with this id (the validator's, for our forms).
    public static string? ErrorOf<T>(this IRenderedComponent<T> cut, string inputId) where T : IComponent =>
        cut.Find($"#{inputId}").Closest(".mud-input-control")?.QuerySelector(".mud-input-helper-text.mud-input-error")?.TextContent.Trim();

    // Opens a MudSelect (it opens on mouse-down) and clicks the item with this text in its popover.
    public static void Choose<T>(this IRenderedComponent<T> cut, string selectId, string itemText) where T : IComponent
    {
        // A multi-select stays open after a click; mouse-down again would close it.
        // The select may come from a click just before (an "add a row" button) whose render has not
        // landed yet on a busy machine (CI failed once on a row's select not found): wait for it.
        if (!cut.FindAll(".mud-popover-open .mud-list-item").Any(i => i.TextContent.Trim() == itemText))
            cut.WaitForElement($"#{selectId}", Wait).Closest(".mud-input-control")!.MouseDown();
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll(".mud-popover-open .mud-list-item"), i => i.TextContent.Trim() == itemText), Wait);
        cut.FindAll(".mud-popover-open .mud-list-item").First(i => i.TextContent.Trim() == itemText).Click();
    }

    public static async Task<WorkspaceDocument> ExportAsync(this LeadHubFactory host) =>
        await host.Services.GetRequiredService<WorkspaceService>().ExportAsync();


    public static async Task<List<AuditRow>> AuditAsync(this LeadHubFactory host, string entityKey)
    {
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LeadHubDbContext>>().CreateDbContextAsync();
        return await db.Audit.Where(a => a.EntityKey == entityKey).OrderBy(a => a.Id).ToListAsync();
    }
}
