using LeadHub.Core;
using LeadHub.Web;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddLeadHubCore(builder.Configuration);
builder.AddLeadHubWeb();

var app = builder.Build();
await app.InitializeLeadHubAsync();
app.UseLeadHubWeb();
app.Run();

// Visible to WebApplicationFactory<Program> in the tests.
public partial class Program;
