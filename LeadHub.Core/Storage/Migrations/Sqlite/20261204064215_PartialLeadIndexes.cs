using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadHub.Core.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PartialLeadIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Leads_CampaignKey_SplitId",
                table: "Leads");

            migrationBuilder.DropIndex(
                name: "IX_Leads_PublisherKey_IdempotencyKey",
                table: "Leads");

            migrationBuilder.DropIndex(
                name: "IX_Leads_Status",
                table: "Leads");

            migrationBuilder.CreateIndex(
                name: "IX_Leads_CampaignKey_SplitId",
                table: "Leads",
                columns: new[] { "CampaignKey", "SplitId" },
                filter: "\"SplitId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Leads_PublisherKey_IdempotencyKey",
                table: "Leads",
                columns: new[] { "PublisherKey", "IdempotencyKey" },
                unique: true,
                filter: "\"IdempotencyKey\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Leads_Status",
                table: "Leads",
                column: "Status",
                filter: "\"Status\" = 'received' OR \"Status\" = 'routing' OR \"Status\" = 'unknown'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Leads_CampaignKey_SplitId",
                table: "Leads");

            migrationBuilder.DropIndex(
                name: "IX_Leads_PublisherKey_IdempotencyKey",
                table: "Leads");

            migrationBuilder.DropIndex(
                name: "IX_Leads_Status",
                table: "Leads");

            migrationBuilder.CreateIndex(
                name: "IX_Leads_CampaignKey_SplitId",
                table: "Leads",
                columns: new[] { "CampaignKey", "SplitId" });

            migrationBuilder.CreateIndex(
                name: "IX_Leads_PublisherKey_IdempotencyKey",
                table: "Leads",
                columns: new[] { "PublisherKey", "IdempotencyKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Leads_Status",
                table: "Leads",
                column: "Status");
        }
    }
}
