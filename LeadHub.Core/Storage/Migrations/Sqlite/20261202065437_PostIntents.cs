using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadHub.Core.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PostIntents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "PostIntents",
                columns: table => new
                {
                    LeadId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Seq = table.Column<int>(type: "INTEGER", nullable: false),
                    BuyerKey = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    ContractKey = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Tier = table.Column<int>(type: "INTEGER", nullable: false),
                    Price = table.Column<decimal>(type: "TEXT", precision: 18, scale: 2, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    DataJson = table.Column<string>(type: "TEXT", maxLength: 2147483647, nullable: false),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PostIntents", x => new { x.LeadId, x.Seq });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PostIntents");
        }
    }
}
