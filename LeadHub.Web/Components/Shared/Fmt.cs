using System.Globalization;

namespace LeadHub.Web.Components.Shared;

// Money is USD (CONTRACT): shown the same whatever the server's culture.
public static class Fmt
{
    private static readonly CultureInfo Us = CultureInfo.GetCultureInfo("en-US");

    public static string Usd(decimal value) => value.ToString("C2", Us);

    public static string Usd(decimal? value) => value is { } v ? Usd(v) : "—";

    public static string Percent(double? ratio) => ratio is { } r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "—";
}
