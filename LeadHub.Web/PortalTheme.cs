using MudBlazor;

namespace LeadHub.Web;

public static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight { Primary = "#1e5aa8", Secondary = "#00897b", AppbarBackground = "#1e5aa8" },
        PaletteDark = new PaletteDark { Primary = "#7aa7e6", Secondary = "#4db6ac" },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "6px" },
    };
}
