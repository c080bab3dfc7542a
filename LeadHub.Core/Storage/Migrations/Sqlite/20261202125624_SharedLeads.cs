using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadHub.Core.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SharedLeads : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Returns_LeadId_Open",
                table: "Returns");

            migrationBuilder.AddColumn<long>(
                name: "SharedSales",
                table: "KpiBuckets",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "LeadSales",
                columns: table => new
                {
                    LeadId = table.Column<Guid>(type: "TEXT", nullable: false),
                    BuyerKey = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    ContractKey = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Price = table.Column<decimal>(type: "TEXT", precision: 18, scale: 2, nullable: false),
                    Payout = table.Column<decimal>(type: "TEXT", precision: 18, scale: 2, nullable: false),
                    SoldAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ReturnedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LeadSales", x => new { x.LeadId, x.BuyerKey });
                });

            migrationBuilder.CreateIndex(
                name: "IX_Returns_LeadId_BuyerKey_Open",
                table: "Returns",
                columns: new[] { "LeadId", "BuyerKey" },
                unique: true,
                filter: "\"Status\" IN ('pending', 'approved')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LeadSales");

            migrationBuilder.DropIndex(
                name: "IX_Returns_LeadId_BuyerKey_Open",
                table: "Returns");

            migrationBuilder.DropColumn(
                name: "SharedSales",
                table: "KpiBuckets");

            migrationBuilder.CreateIndex(
                name: "IX_Returns_LeadId_Open",
                table: "Returns",
                column: "LeadId",
                unique: true,
                filter: "\"Status\" IN ('pending', 'approved')");
        }
    }
}
