using LeadHub.Core;
using LeadHub.Web;

// appsettings.json is still reloaded when edited, found by polling: a FileSystemWatcher on the content
// root also heard every SQLite write under it (data/leadhub.db) and woke a thread for each one.
Environment.SetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER", "true");
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddLeadHubCore(builder.Configuration);
builder.AddLeadHubWeb();

var app = builder.Build();
await app.InitializeLeadHubAsync();
app.UseLeadHubWeb();
app.Run();

// Visible to WebApplicationFactory<Program> in the tests.
public partial class Program;
