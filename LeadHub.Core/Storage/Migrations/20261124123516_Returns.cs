using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadHub.Core.Storage.Migrations
{
    /// <inheritdoc />
    public partial class Returns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Returns",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    LeadId = table.Column<Guid>(type: "TEXT", nullable: false),
                    BuyerKey = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CampaignKey = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    PublisherKey = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    RequestedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RequestedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    DecidedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    DecidedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    DecisionNote = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    Credit = table.Column<decimal>(type: "TEXT", precision: 18, scale: 2, nullable: false),
                    PayoutReversed = table.Column<decimal>(type: "TEXT", precision: 18, scale: 2, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Returns", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Returns_BuyerKey_RequestedAt",
                table: "Returns",
                columns: new[] { "BuyerKey", "RequestedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Returns_LeadId",
                table: "Returns",
                column: "LeadId");

            migrationBuilder.CreateIndex(
                name: "IX_Returns_LeadId_Open",
                table: "Returns",
                column: "LeadId",
                unique: true,
                filter: "\"Status\" IN ('pending', 'approved')");

            migrationBuilder.CreateIndex(
                name: "IX_Returns_Status_RequestedAt",
                table: "Returns",
                columns: new[] { "Status", "RequestedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Returns");
        }
    }
}
