using AngleSharp.Dom;
using Bunit;
using Bunit.Rendering;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace LeadHub.Tests.Portal;

// Driving MudBlazor inputs of the buyer/contract/segment pages the way a user does.
internal static class BuyerFormUi
{
    // A single-choice MudSelect (found by the id on its input): open it, click the option showing
    // `text`, and wait until it closed. Multi-selects use PortalKit.Choose.
    // Options render in the popover provider, outside the select's own markup.
    public static void Pick(this IRenderedComponent<ContainerFragment> cut, string selectId, string text)
    {
        // A row the click before added (a filter) may still be rendering.
        var opener = cut.WaitForElement($"#{selectId}");
        while (!opener.HasAttribute("blazor:onmousedown") && !opener.HasAttribute("blazor:onpointerdown"))
            opener = opener.ParentElement ?? throw new InvalidOperationException($"#{selectId} is not inside an openable select");
        if (opener.HasAttribute("blazor:onmousedown")) opener.MouseDown();
        else opener.PointerDown();
        cut.WaitForAssertion(() => Assert.NotNull(OptionOf(cut, text)));
        OptionOf(cut, text)!.Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-popover-open .mud-list-item")));
    }

    private static IElement? OptionOf(IRenderedComponent<ContainerFragment> cut, string text) =>
        cut.FindAll(".mud-popover-open .mud-list-item").FirstOrDefault(e => e.TextContent.Trim().StartsWith(text, StringComparison.Ordinal));

    public static void Type(this IRenderedComponent<ContainerFragment> cut, string inputId, string value) => cut.Find($"#{inputId}").Change(value);

    // Adds one chip to a ChipInput.
    public static void AddChip(this IRenderedComponent<ContainerFragment> cut, string chipInputId, string value)
    {
        cut.Find($"#{chipInputId}-input").Input(value);
        cut.Find($"#{chipInputId}-add").Click();
    }

    // Answers the open MudBlazor message box with the button whose text starts with `button`.
    public static void Confirm(this IRenderedComponent<ContainerFragment> cut, string button)
    {
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll(".mud-dialog button"), b => b.TextContent.Trim().StartsWith(button, StringComparison.Ordinal)));
        cut.FindAll(".mud-dialog button").First(b => b.TextContent.Trim().StartsWith(button, StringComparison.Ordinal)).Click();
    }

    // The text around an input: its label, helper and error text.
    public static string FieldText(this IRenderedComponent<ContainerFragment> cut, string inputId) =>
        cut.Find($"#{inputId}").Closest(".mud-input-control")!.TextContent;


    public static async Task<BuyerConfig?> ExportedBuyerAsync(this LeadHubFactory host, string key) =>
        (await host.Workspace().ExportAsync()).Buyers.FirstOrDefault(b => b.Key == key);
}
