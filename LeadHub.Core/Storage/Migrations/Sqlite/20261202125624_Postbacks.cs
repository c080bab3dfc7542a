using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadHub.Core.Storage.Migrations.Sqlite
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
                type: "TEXT",
                maxLength: 2147483647,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "PostbackCursors",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PostbackCursors", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "Postbacks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    LeadId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Event = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    PublisherKey = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Campaign = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    ExternalId = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    SubId = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Payout = table.Column<decimal>(type: "TEXT", precision: 18, scale: 2, nullable: false),
                    ReasonCode = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    State = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    NextAttemptAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LeaseOwner = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    LeaseUntil = table.Column<long>(type: "INTEGER", nullable: true),
                    LastAttemptAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastRequest = table.Column<string>(type: "TEXT", maxLength: 2100, nullable: true),
                    LastStatus = table.Column<int>(type: "INTEGER", nullable: true),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    LastAnswer = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    DeliveredAt = table.Column<long>(type: "INTEGER", nullable: true)
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
