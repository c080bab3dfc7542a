using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadHub.Core.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LiveSplit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "SplitArm",
                table: "Leads",
                type: "TEXT",
                maxLength: 1,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SplitId",
                table: "Leads",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Leads_CampaignKey_SplitId",
                table: "Leads",
                columns: new[] { "CampaignKey", "SplitId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Leads_CampaignKey_SplitId",
                table: "Leads");

            migrationBuilder.DropColumn(
                name: "SplitArm",
                table: "Leads");

            migrationBuilder.DropColumn(
                name: "SplitId",
                table: "Leads");
        }
    }
}
