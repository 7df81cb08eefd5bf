using System.Text.Json.Serialization;

namespace Streaming.ClickHouse;

/// <summary>
/// One versioned schema step. Statements must be idempotent (IF NOT EXISTS) so concurrent starts are safe; an
/// <c>ALTER TABLE ... ADD COLUMN</c> refused because the column exists counts as done.
/// </summary>
public sealed record Migration(int Version, string Name, IReadOnlyList<string> Statements);

/// <summary>Applies the migrations a database has not seen yet, in version order, and records each.</summary>
public sealed class SchemaMigrator(ClickHouseClient client)
{
    public async Task<int> ApplyAsync(IEnumerable<Migration> migrations, CancellationToken cancellationToken = default)
    {
        await client.ExecuteAsync("CREATE DATABASE IF NOT EXISTS " + Sql.Identifier(client.Database), cancellationToken, useDatabase: false);
        await client.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at DateTime) " +
            "ENGINE = ReplacingMergeTree ORDER BY version", cancellationToken);
        var applied = (await client.QueryAsync("SELECT version FROM schema_migrations", MigrationJsonContext.Default.AppliedMigration, cancellationToken))
            .Select(m => m.Version).ToHashSet();
        var count = 0;
        foreach (var migration in migrations.OrderBy(m => m.Version).Where(m => !applied.Contains(m.Version)))
        {
            foreach (var statement in migration.Statements)
            {
                try
                {
                    await client.ExecuteAsync(statement, cancellationToken);
                }
                catch (ClickHouseException e) when (ColumnAlreadyAdded(statement, e))
                {
                    // Done by an earlier run of this migration (18.16 has no ADD COLUMN IF NOT EXISTS).
                }
            }

            await client.ExecuteAsync(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (" +
                Sql.Integer(migration.Version) + ", " + Sql.String(migration.Name) + ", now())", cancellationToken);
            count++;
        }

        return count;
    }

    /// <summary>An ALTER that adds a column, refused because the column exists (code 44 on 18.16, 15 DUPLICATE_COLUMN on 26.x).</summary>
    private static bool ColumnAlreadyAdded(string statement, ClickHouseException e) =>
        statement.StartsWith("ALTER TABLE", StringComparison.Ordinal) && statement.Contains(" ADD COLUMN ", StringComparison.Ordinal)
        && (e.ServerText.Contains("Code: 44", StringComparison.Ordinal) || e.ServerText.Contains("Code: 15.", StringComparison.Ordinal))
        && e.ServerText.Contains("column with this name already exists", StringComparison.Ordinal);
}

internal sealed record AppliedMigration(int Version);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AppliedMigration))]
internal sealed partial class MigrationJsonContext : JsonSerializerContext;
