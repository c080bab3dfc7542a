using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LeadHub.Core.Storage;

// Let `dotnet ef migrations add` build each provider's model without starting the web app
// (no database is contacted).
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<LeadHubDbContext>
{
    public LeadHubDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<LeadHubDbContext>().UseSqlite("Data Source=design.db").Options);
}

public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresLeadHubDbContext>
{
    public PostgresLeadHubDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresLeadHubDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
