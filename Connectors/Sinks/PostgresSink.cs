using System.Text.Json;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.V1;
using Npgsql;
using NpgsqlTypes;

namespace EtlRouter.Connectors.Sinks;

/// <summary>
/// Writes records to a PostgreSQL table (--connection, --table; stage options of the same names win), one
/// multi-row INSERT per batch from arrays (unnest), with ON CONFLICT (id) DO NOTHING: a redelivered record is
/// written once. The table is created when missing: id text primary key, key, value jsonb (or value_text when
/// the value is not JSON), headers jsonb, event_time, source, source_offset, written_at.
/// </summary>
internal sealed class PostgresSink(ConnectorSettings settings) : RecordSink(settings), IAsyncDisposable
{
    private readonly Dictionary<string, NpgsqlDataSource> sources = new(StringComparer.Ordinal);
    private readonly HashSet<string> createdTables = new(StringComparer.Ordinal);

    protected override async Task<IReadOnlyList<RecordError>> WriteAsync(WriteRequest request, CancellationToken cancellationToken)
    {
        var connection = Settings.Text("connection", request.Options) ?? throw new ConnectorSettingsException("connection: not set; give --connection 'Host=...;Username=...;Database=...'");
        var table = Settings.Text("table", "etl_records", request.Options);
        if (!System.Text.RegularExpressions.Regex.IsMatch(table, "^[A-Za-z_][A-Za-z0-9_]{0,62}$"))
        {
            throw new ConnectorSettingsException($"table: '{table}' is not a plain table name (letters, digits, _)");
        }

        var source = Source(connection);
        await EnsureTableAsync(source, table, cancellationToken);
        var records = request.Records.GroupBy(r => r.Id).Select(g => g.First()).ToList();
        await using var command = source.CreateCommand($"""
            INSERT INTO {table} (id, key, value, value_text, headers, event_time, source, source_offset)
            SELECT * FROM unnest(@ids, @keys, @values::jsonb[], @texts, @headers::jsonb[], @times, @sources, @offsets)
            ON CONFLICT (id) DO NOTHING
            """);
        var values = records.Select(r => Json(r.Value.ToStringUtf8())).ToArray();
        command.Parameters.Add(new NpgsqlParameter("ids", records.Select(r => r.Id).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("keys", records.Select(r => r.Key).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("values", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.Select(v => v.Json).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("texts", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.Select(v => v.Text).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("headers", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = records.Select(r => JsonSerializer.Serialize(r.Headers.ToDictionary())).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("times", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = records.Select(r => (DateTime?)r.EventTime?.ToDateTime()).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("sources", records.Select(r => r.Origin?.Source ?? "").ToArray()));
        command.Parameters.Add(new NpgsqlParameter("offsets", records.Select(r => r.Origin?.Offset ?? "").ToArray()));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return [];
    }

    private static (string? Json, string? Text) Json(string value)
    {
        try
        {
            using var _ = JsonDocument.Parse(value);
            return (value, null);
        }
        catch (JsonException)
        {
            return (null, value);
        }
    }

    private NpgsqlDataSource Source(string connection)
    {
        lock (sources)
        {
            if (!sources.TryGetValue(connection, out var source)) sources[connection] = source = NpgsqlDataSource.Create(connection);
            return source;
        }
    }

    private async Task EnsureTableAsync(NpgsqlDataSource source, string table, CancellationToken cancellationToken)
    {
        lock (createdTables) if (createdTables.Contains(table)) return;
        await using var create = source.CreateCommand($"""
            CREATE TABLE IF NOT EXISTS {table} (
              id text PRIMARY KEY, key text, value jsonb, value_text text, headers jsonb,
              event_time timestamptz, source text, source_offset text, written_at timestamptz NOT NULL DEFAULT now())
            """);
        await create.ExecuteNonQueryAsync(cancellationToken);
        lock (createdTables) createdTables.Add(table);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in sources.Values) await source.DisposeAsync();
    }
}
