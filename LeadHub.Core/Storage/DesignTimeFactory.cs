using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LeadHub.Core.Storage;

// Lets `dotnet ef migrations add` build the model without starting the web app.
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<LeadHubDbContext>
{
    public LeadHubDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<LeadHubDbContext>().UseSqlite("Data Source=design.db").Options);
}
