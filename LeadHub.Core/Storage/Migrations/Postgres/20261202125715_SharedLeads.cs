using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadHub.Core.Storage.Migrations.Postgres
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
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "LeadSales",
                columns: table => new
                {
                    LeadId = table.Column<Guid>(type: "uuid", nullable: false),
                    BuyerKey = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    ContractKey = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Price = table.Column<decimal>(type: "numeric(18,2)", precision: 18, scale: 2, nullable: false),
                    Payout = table.Column<decimal>(type: "numeric(18,2)", precision: 18, scale: 2, nullable: false),
                    SoldAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ReturnedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
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
