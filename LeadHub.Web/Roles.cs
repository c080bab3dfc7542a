namespace LeadHub.Web;

// Portal roles. Admin: everything incl. users and tokens; Manager: configuration and returns;
// Viewer: read-only with PII masked.
public static class Roles
{
    public const string Admin = "Admin", Manager = "Manager", Viewer = "Viewer";
    public const string Editors = Admin + "," + Manager;
    public const string Anyone = Admin + "," + Manager + "," + Viewer;
    public static readonly string[] All = [Admin, Manager, Viewer];
}
