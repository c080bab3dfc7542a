using LeadHub.Core.Returns;
using LeadHub.Core.Kpis;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace LeadHub.Core.Storage;

// Portal users and roles (ASP.NET Core Identity) and the Data Protection key ring live in the
// same database as everything else. This type runs on SQLite; PostgresLeadHubDbContext is the
// same model on PostgreSQL, a type of its own only so each provider has its own migrations.
public class LeadHubDbContext : IdentityDbContext<IdentityUser>, IDataProtectionKeyContext
{
    public LeadHubDbContext(DbContextOptions<LeadHubDbContext> options) : base(options) { }

    protected LeadHubDbContext(DbContextOptions options) : base(options) { }

    public DbSet<CampaignRow> Campaigns => Set<CampaignRow>();
    public DbSet<PublisherRow> Publishers => Set<PublisherRow>();
    public DbSet<BuyerRow> Buyers => Set<BuyerRow>();
    public DbSet<ContractRow> Contracts => Set<ContractRow>();
    public DbSet<ConfigVersionRow> ConfigVersions => Set<ConfigVersionRow>();
    public DbSet<LeadRow> Leads => Set<LeadRow>();
    public DbSet<TraceStepRow> TraceSteps => Set<TraceStepRow>();
    public DbSet<TracePingsRow> TracePings => Set<TracePingsRow>();
    public DbSet<LeadHub.Core.Postbacks.PostbackRow> Postbacks => Set<LeadHub.Core.Postbacks.PostbackRow>();
    public DbSet<LeadHub.Core.Postbacks.PostbackCursorRow> PostbackCursors => Set<LeadHub.Core.Postbacks.PostbackCursorRow>();
    public DbSet<PostIntentRow> PostIntents => Set<PostIntentRow>();
    public DbSet<LeadSaleRow> LeadSales => Set<LeadSaleRow>();
    public DbSet<CapCounterRow> CapCounters => Set<CapCounterRow>();
    public DbSet<PublisherPingRow> PublisherPings => Set<PublisherPingRow>();
    public DbSet<AuditRow> Audit => Set<AuditRow>();
    public DbSet<AlertRow> Alerts => Set<AlertRow>();
    public DbSet<ApiTokenRow> ApiTokens => Set<ApiTokenRow>();
    public DbSet<ReturnRow> Returns => Set<ReturnRow>();
    public DbSet<KpiBucketRow> KpiBuckets => Set<KpiBucketRow>();
    public DbSet<NodeRow> Nodes => Set<NodeRow>();
    public DbSet<Suppression.SuppressionListRow> SuppressionLists => Set<Suppression.SuppressionListRow>();
    public DbSet<Lab.LabReplayRow> LabReplays => Set<Lab.LabReplayRow>();
    public DbSet<Suppression.SuppressionEntryRow> SuppressionEntries => Set<Suppression.SuppressionEntryRow>();
    public DbSet<Suppression.SuppressionKeyRow> SuppressionKeys => Set<Suppression.SuppressionKeyRow>();

    // The Data Protection key ring that encrypts buyer credentials, next to the data it protects.
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void ConfigureConventions(ModelConfigurationBuilder builder)
    {
        // SQLite has no native time type and cannot compare or sort DateTimeOffset text;
        // a long that sorts like UTC time keeps range queries in the database.
        if (Database.IsSqlite())
        {
            builder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        }
        builder.Properties<decimal>().HavePrecision(18, 2);
        builder.Properties<string>().HaveMaxLength(256);
    }

    protected override void OnModelCreating(ModelBuilder b)
    {
        base.OnModelCreating(b);
        b.Entity<CampaignRow>(e =>
        {
            e.HasKey(x => x.Key);
            e.Property(x => x.Json).HasMaxLength(int.MaxValue);
        });
        b.Entity<PublisherRow>(e =>
        {
            e.HasKey(x => x.Key);
            e.Property(x => x.Json).HasMaxLength(int.MaxValue);
            e.Property(x => x.PostbackSecret).HasMaxLength(int.MaxValue);
        });
        b.Entity<BuyerRow>(e =>
        {
            e.HasKey(x => x.Key);
            e.Property(x => x.Json).HasMaxLength(int.MaxValue);
        });
        b.Entity<ContractRow>(e =>
        {
            e.HasKey(x => x.Key);
            e.HasIndex(x => x.BuyerKey);
            e.Property(x => x.Json).HasMaxLength(int.MaxValue);
            e.Property(x => x.AuthSecret).HasMaxLength(int.MaxValue);
        });
        b.Entity<ConfigVersionRow>(e =>
        {
            e.HasKey(x => x.Id);
            // Every configuration change increments this one row; nodes compare it with their snapshot's.
            e.HasData(new ConfigVersionRow { Id = 1, Version = 0 });
            // Row 2: the suppression lists' version, watched the same way (SuppressionWatcher).
            e.HasData(new ConfigVersionRow { Id = Suppression.SuppressionLists.VersionRow, Version = 0 });
        });
        b.Entity<LeadRow>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.FieldsJson).HasMaxLength(int.MaxValue);
            e.Property(x => x.ErrorsJson).HasMaxLength(int.MaxValue);
            e.Property(x => x.Reason).HasMaxLength(1000);
            e.HasIndex(x => new { x.CampaignKey, x.PhoneKey });
            e.HasIndex(x => new { x.CampaignKey, x.EmailKey });
            // Three indexes hold only the rows they are searched for: every index entry is a page the
            // lead writer writes again at each commit, and a full index on Status moved every lead
            // at its finish. A lead without an Idempotency-Key or split arm is never looked up by one;
            // Status is searched for the leads still open (recovery, `unknown` for a manager),
            // and the portal's other status filters read by time (README "Performance").
            e.HasIndex(x => new { x.PublisherKey, x.IdempotencyKey }).IsUnique().HasFilter("\"IdempotencyKey\" IS NOT NULL");
            e.HasIndex(x => x.ReceivedAt);
            e.HasIndex(x => x.Status).HasFilter(string.Join(" OR ", LeadStatus.Open.Select(s => $"\"Status\" = '{s}'")));
            e.Property(x => x.SplitArm).HasMaxLength(1);
            e.HasIndex(x => new { x.CampaignKey, x.SplitId }).HasFilter("\"SplitId\" IS NOT NULL");
        });
        b.Entity<TraceStepRow>(e =>
        {
            // A natural key: inserts need no generated id back, so EF sends a lead's steps in one batch.
            e.HasKey(x => new { x.LeadId, x.Seq });
            e.HasIndex(x => x.At);
            e.Property(x => x.Reason).HasMaxLength(1000);
        });
        b.Entity<TracePingsRow>(e =>
        {
            e.HasKey(x => new { x.LeadId, x.Seq });
            e.Property(x => x.StepsJson).HasMaxLength(int.MaxValue);
        });
        b.Entity<PostIntentRow>(e =>
        {
            e.HasKey(x => new { x.LeadId, x.Seq });
            e.Property(x => x.DataJson).HasMaxLength(int.MaxValue);
        });
        // One sale per buyer and lead: a shared lead is never sold twice to one buyer.
        b.Entity<LeadSaleRow>(e => e.HasKey(x => new { x.LeadId, x.BuyerKey }));
        b.Entity<CapCounterRow>(e => e.HasKey(x => x.Key));
        b.Entity<ApiTokenRow>(e =>
        {
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.Hash).IsUnique();
        });
        b.Entity<AlertRow>(e =>
        {
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.Kind, x.Subject, x.Status });
            e.Property(x => x.Message).HasMaxLength(2000);
        });
        b.Entity<AuditRow>(e =>
        {
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.At);
            e.HasIndex(x => new { x.EntityType, x.EntityKey });
            e.Property(x => x.Before).HasMaxLength(int.MaxValue);
            e.Property(x => x.After).HasMaxLength(int.MaxValue);
        });
        b.Entity<KpiBucketRow>(e =>
        {
            // Minute first: the dashboard reads a time range; a campaign filter has its own index.
            e.HasKey(x => new { x.Minute, x.CampaignKey, x.PublisherKey, x.SubId, x.BuyerKey });
            e.HasIndex(x => new { x.CampaignKey, x.Minute });
        });
        b.Entity<NodeRow>(e => e.HasKey(x => x.Id));
        // A key is an XML document of a few KB; the 256 default would cut it.
        b.Entity<DataProtectionKey>(e => e.Property(x => x.Xml).HasMaxLength(int.MaxValue));
        b.Entity<PublisherPingRow>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.OffersJson).HasMaxLength(int.MaxValue);
            e.Property(x => x.TraceJson).HasMaxLength(int.MaxValue);
        });
        b.Entity<LeadHub.Core.Postbacks.PostbackRow>(e =>
        {
            e.HasKey(x => x.Id);
            // One postback per lead and event, whichever node's pump saw it first.
            e.HasIndex(x => new { x.LeadId, x.Event }).IsUnique();
            e.HasIndex(x => new { x.State, x.NextAttemptAt });
            e.HasIndex(x => new { x.PublisherKey, x.CreatedAt });
            e.Property(x => x.LastRequest).HasMaxLength(2100);
            e.Property(x => x.LastError).HasMaxLength(1000);
            e.Property(x => x.LastAnswer).HasMaxLength(1000);
        });
        b.Entity<LeadHub.Core.Postbacks.PostbackCursorRow>(e => e.HasKey(x => x.Name));
        b.Entity<Lab.LabReplayRow>(e =>
        {
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.CreatedAt);
            e.Property(x => x.PlanJson).HasMaxLength(int.MaxValue);
            e.Property(x => x.ResultJson).HasMaxLength(int.MaxValue);
            e.Property(x => x.Error).HasMaxLength(1000);
        });
        b.Entity<Suppression.SuppressionListRow>(e =>
        {
            e.HasKey(x => x.Key);
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Kind).HasMaxLength(64);
        });
        b.Entity<Suppression.SuppressionEntryRow>(e =>
        {
            e.HasKey(x => new { x.ListKey, x.Hash });
            e.Property(x => x.Hash).HasMaxLength(32);
        });
        b.Entity<Suppression.SuppressionKeyRow>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).ValueGeneratedNever();
            e.Property(x => x.ProtectedKey).HasMaxLength(1000);
        });
        b.Entity<ReturnRow>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Reason).HasMaxLength(1000);
            e.Property(x => x.DecisionNote).HasMaxLength(1000);
            // At most one open or approved return per sale (lead and buyer), even when two requests race.
            e.HasIndex(x => new { x.LeadId, x.BuyerKey }, "IX_Returns_LeadId_BuyerKey_Open").IsUnique().HasFilter("\"Status\" IN ('pending', 'approved')");
            e.HasIndex(x => x.LeadId);
            e.HasIndex(x => new { x.Status, x.RequestedAt });
            e.HasIndex(x => new { x.BuyerKey, x.RequestedAt });
        });
    }
}
