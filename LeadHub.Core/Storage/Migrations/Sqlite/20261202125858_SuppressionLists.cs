using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadHub.Core.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SuppressionLists : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "SuppressionEntries",
                columns: table => new
                {
                    ListKey = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Hash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SuppressionEntries", x => new { x.ListKey, x.Hash });
                });

            migrationBuilder.CreateTable(
                name: "SuppressionKeys",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    ProtectedKey = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SuppressionKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SuppressionLists",
                columns: table => new
                {
                    Key = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Scope = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    EntryCount = table.Column<int>(type: "INTEGER", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastUploadAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastUploadBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    LastUploadRows = table.Column<int>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SuppressionLists", x => x.Key);
                });

            migrationBuilder.InsertData(
                table: "ConfigVersions",
                columns: new[] { "Id", "Version" },
                values: new object[] { 2, 0L });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "SuppressionEntries");

            migrationBuilder.DropTable(
                name: "SuppressionKeys");

            migrationBuilder.DropTable(
                name: "SuppressionLists");

            migrationBuilder.DeleteData(
                table: "ConfigVersions",
                keyColumn: "Id",
                keyValue: 2);
        }
    }
}
