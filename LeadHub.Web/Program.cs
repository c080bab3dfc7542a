var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/", () => "LeadHub");
app.Run();

public partial class Program;
