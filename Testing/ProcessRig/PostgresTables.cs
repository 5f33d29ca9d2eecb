using Npgsql;

namespace EtlRouter.Testing.ProcessRig;

/// <summary>What a Postgres sink wrote: the ids in a table, for counting losses and duplicates.</summary>
public static class PostgresTables
{
    /// <summary>Every id in the table, duplicates kept; none when the sink has not created the table yet.</summary>
    public static async Task<List<string>> IdsAsync(string connection, string table)
    {
        await using var source = NpgsqlDataSource.Create(connection);
        await using var command = source.CreateCommand($"SELECT id FROM {table}");
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            var ids = new List<string>();
            while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
            return ids;
        }
        catch (PostgresException e) when (e.SqlState == "42P01")
        {
            return [];
        }
    }
}
