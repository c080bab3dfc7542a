using Microsoft.EntityFrameworkCore;

namespace LeadHub.Core.Storage;

// EF Core picks migrations by context type: this type carries the PostgreSQL ones
// (Storage/Migrations/Postgres), LeadHubDbContext the SQLite ones. Code only ever sees LeadHubDbContext.
public sealed class PostgresLeadHubDbContext(DbContextOptions<PostgresLeadHubDbContext> options) : LeadHubDbContext(options);
