using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace LeadHub.Core.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Postbacks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PostbackSecret",
                table: "Publishers",
                type: "text",
                maxLength: 2147483647,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "PostbackCursors",
                columns: table => new
                {
                    Name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PostbackCursors", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "Postbacks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    LeadId = table.Column<Guid>(type: "uuid", nullable: false),
                    Event = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    PublisherKey = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Campaign = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    ExternalId = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    SubId = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    Status = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Payout = table.Column<decimal>(type: "numeric(18,2)", precision: 18, scale: 2, nullable: false),
                    ReasonCode = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    State = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    NextAttemptAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LeaseOwner = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    LeaseUntil = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastAttemptAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastRequest = table.Column<string>(type: "character varying(2100)", maxLength: 2100, nullable: true),
                    LastStatus = table.Column<int>(type: "integer", nullable: true),
                    LastError = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    LastAnswer = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    DeliveredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Postbacks", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Postbacks_LeadId_Event",
                table: "Postbacks",
                columns: new[] { "LeadId", "Event" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Postbacks_PublisherKey_CreatedAt",
                table: "Postbacks",
                columns: new[] { "PublisherKey", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Postbacks_State_NextAttemptAt",
                table: "Postbacks",
                columns: new[] { "State", "NextAttemptAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PostbackCursors");

            migrationBuilder.DropTable(
                name: "Postbacks");

            migrationBuilder.DropColumn(
                name: "PostbackSecret",
                table: "Publishers");
        }
    }
}
