using Bunit;
using Bunit.Rendering;

namespace LeadHub.Tests.Portal;

// Drives the bulk edit dialog (BulkEditDialog) the way a manager does.
public static class BulkEditUi
{
    // Types the pause reason and confirms.
    public static void PauseWithReason(this IRenderedComponent<ContainerFragment> cut, string reason)
    {
        cut.WaitForAssertion(() => cut.Find("#bulk-reason"));
        cut.Find("#bulk-reason").Input(reason);
        cut.WaitForAssertion(() => Assert.False(cut.Find("#bulk-confirm").HasAttribute("disabled")));
        cut.Find("#bulk-confirm").Click();
    }

    public static void ConfirmBulk(this IRenderedComponent<ContainerFragment> cut)
    {
        cut.WaitForAssertion(() => Assert.False(cut.Find("#bulk-confirm").HasAttribute("disabled")));
        cut.Find("#bulk-confirm").Click();
    }
}
