using EtlRouter.Tests.Support;
using Npgsql;

namespace EtlRouter.E2E.Targets;

/// <summary>
/// A throwaway PostgreSQL on the node's bridge gateway (scripts/test-postgres with PG_LISTEN and PG_CLIENTS), so the
/// node's pods reach it as they would reach a database outside the cluster: the idempotent sink at which the fault
/// test counts duplicates (the Postgres sink writes a redelivered record once, ON CONFLICT (id) DO NOTHING).
/// </summary>
public sealed class NodePostgres : IAsyncDisposable
{
    /// <summary>The node's bridge gateway (scripts/kube-node), where pods reach the machine.</summary>
    public const string Gateway = "10.200.0.1";

    private const string Port = "55433";

    private static readonly string Script = Path.Combine(RepositoryRoot.Path, "scripts", "test-postgres");

    private readonly string directory;

    private NodePostgres(string connection, string directory)
    {
        Connection = connection;
        this.directory = directory;
    }

    /// <summary>The connection string, as a pod passes it to the Postgres sink.</summary>
    public string Connection { get; }

    /// <summary>Starts it with its data in <paramref name="directory"/> (the bridge must exist: start the node first).</summary>
    public static async Task<NodePostgres> StartAsync(string directory)
    {
        var started = await ProcessRun.RunAsync(Script, [], TimeSpan.FromMinutes(5), Environment(directory));
        if (!started.Succeeded) throw new InvalidOperationException($"scripts/test-postgres could not start a PostgreSQL on {Gateway}: {started}");
        return new NodePostgres(started.Output.Trim(), directory);
    }

    /// <summary>Stops the one whose data is in <paramref name="directory"/>, if one runs (left by a killed test run).</summary>
    public static Task StopAsync(string directory) =>
        ProcessRun.RunAsync(Script, ["stop"], TimeSpan.FromMinutes(1), Environment(directory));

    private static Dictionary<string, string> Environment(string directory) => new()
    {
        ["PGPORT"] = Port,
        ["PG_LISTEN"] = Gateway,
        ["PG_CLIENTS"] = "10.200.0.0/16",
        ["PG_DATA"] = directory,
    };

    /// <summary>Rows in <paramref name="table"/> and distinct ids among them (0, 0 while the sink has not created it).</summary>
    public async Task<(long Rows, long Distinct)> CountAsync(string table)
    {
        await using var connection = new NpgsqlConnection(Connection);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT to_regclass(@table) IS NOT NULL", connection);
        exists.Parameters.AddWithValue("table", table);
        if (await exists.ExecuteScalarAsync() is not true) return (0, 0);
        await using var count = new NpgsqlCommand($"SELECT count(*), count(DISTINCT id) FROM {table}", connection);
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await StopAsync(directory);
    }
}
