using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadHub.Core.Storage.Migrations.Postgres
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
                    LeadId = table.Column<Guid>(type: "uuid", nullable: false),
                    Seq = table.Column<int>(type: "integer", nullable: false),
                    BuyerKey = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    ContractKey = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Tier = table.Column<int>(type: "integer", nullable: false),
                    Price = table.Column<decimal>(type: "numeric(18,2)", precision: 18, scale: 2, nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    DataJson = table.Column<string>(type: "text", maxLength: 2147483647, nullable: false),
                    Outcome = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true)
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
