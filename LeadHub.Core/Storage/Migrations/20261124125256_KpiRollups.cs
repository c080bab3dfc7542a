using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadHub.Core.Storage.Migrations
{
    /// <inheritdoc />
    public partial class KpiRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "KpiBuckets",
                columns: table => new
                {
                    Minute = table.Column<long>(type: "INTEGER", nullable: false),
                    CampaignKey = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    PublisherKey = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    SubId = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    BuyerKey = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Leads = table.Column<int>(type: "INTEGER", nullable: false),
                    Valid = table.Column<int>(type: "INTEGER", nullable: false),
                    Invalid = table.Column<int>(type: "INTEGER", nullable: false),
                    Duplicates = table.Column<int>(type: "INTEGER", nullable: false),
                    Sold = table.Column<int>(type: "INTEGER", nullable: false),
                    Revenue = table.Column<decimal>(type: "TEXT", precision: 18, scale: 2, nullable: false),
                    Payout = table.Column<decimal>(type: "TEXT", precision: 18, scale: 2, nullable: false),
                    Pings = table.Column<int>(type: "INTEGER", nullable: false),
                    Bids = table.Column<int>(type: "INTEGER", nullable: false),
                    BidSum = table.Column<decimal>(type: "TEXT", precision: 18, scale: 2, nullable: false),
                    Posts = table.Column<int>(type: "INTEGER", nullable: false),
                    Rejects = table.Column<int>(type: "INTEGER", nullable: false),
                    Returns = table.Column<int>(type: "INTEGER", nullable: false),
                    ReturnCredits = table.Column<decimal>(type: "TEXT", precision: 18, scale: 2, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_KpiBuckets", x => new { x.Minute, x.CampaignKey, x.PublisherKey, x.SubId, x.BuyerKey });
                });

            migrationBuilder.CreateIndex(
                name: "IX_KpiBuckets_CampaignKey_Minute",
                table: "KpiBuckets",
                columns: new[] { "CampaignKey", "Minute" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "KpiBuckets");
        }
    }
}
