using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.V1;

namespace EtlRouter.Connectors.Sinks;

/// <summary>
/// Writes records to a ClickHouse table over its HTTP interface (--url, default http://127.0.0.1:8123;
/// --database, --table, --user, --password; stage options database and table win), idempotent by record id: the
/// batch's ids already in the table are left out (one SELECT), the rest go in one INSERT ... FORMAT JSONEachRow,
/// which ClickHouse applies whole or not at all, so a batch retried after a failure adds each record once. The
/// table, created when missing, is a ReplacingMergeTree ordered by id, which also folds a duplicate that two
/// concurrent writers could race into (SELECT ... FINAL). Columns: id, key, value (the record's value as text),
/// headers (JSON), event_time, source, offset, written_at.
/// </summary>
internal sealed partial class ClickHouseSink(ConnectorSettings settings) : RecordSink(settings), IDisposable
{
    private readonly HttpClient http = Client(settings);
    private readonly HashSet<string> created = new(StringComparer.Ordinal);

    protected override async Task<IReadOnlyList<RecordError>> WriteAsync(WriteRequest request, CancellationToken cancellationToken)
    {
        var database = Identifier("database", Settings.Text("database", "default", request.Options));
        var table = $"{database}.{Identifier("table", Settings.Text("table", "etl_records", request.Options))}";
        await EnsureTableAsync(table, cancellationToken);

        var records = request.Records.GroupBy(r => r.Id).Select(g => g.First()).ToList();
        var existing = await QueryAsync($"SELECT id FROM {table} WHERE id IN ({string.Join(',', records.Select(r => Literal(r.Id)))}) FORMAT JSONEachRow", cancellationToken);
        var present = existing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("id").GetString()!)
            .ToHashSet(StringComparer.Ordinal);
        var fresh = records.Where(r => !present.Contains(r.Id)).ToList();
        if (fresh.Count == 0) return [];

        var rows = new StringBuilder($"INSERT INTO {table} (id, key, value, headers, event_time, source, offset) FORMAT JSONEachRow\n");
        foreach (var record in fresh)
        {
            rows.Append(JsonSerializer.Serialize(new Row(
                record.Id,
                record.Key,
                record.Value.ToStringUtf8(),
                JsonSerializer.Serialize(record.Headers.ToDictionary()),
                (record.EventTime?.ToDateTime() ?? DateTime.UtcNow).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                record.Origin?.Source ?? string.Empty,
                record.Origin?.Offset ?? string.Empty))).Append('\n');
        }

        await QueryAsync(rows.ToString(), cancellationToken);
        return [];
    }

    public void Dispose() => http.Dispose();

    private async Task EnsureTableAsync(string table, CancellationToken cancellationToken)
    {
        lock (created) if (created.Contains(table)) return;
        await QueryAsync($"""
            CREATE TABLE IF NOT EXISTS {table} (
              id String, key String, value String, headers String, event_time DateTime, source String, offset String,
              written_at DateTime DEFAULT now())
            ENGINE = ReplacingMergeTree ORDER BY id
            """, cancellationToken);
        lock (created) created.Add(table);
    }

    // A failed statement (ClickHouse answers with its exception text) or an unreachable server is an I/O error:
    // the sidecar retries the batch, which this sink makes harmless.
    private async Task<string> QueryAsync(string statement, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(string.Empty, new StringContent(statement, Encoding.UTF8, "text/plain"), cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new IOException($"ClickHouse at {http.BaseAddress} did not answer: {e.Message}", e);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode) throw new IOException($"ClickHouse at {http.BaseAddress}: {text.Trim()}");
            return text;
        }
    }

    private static HttpClient Client(ConnectorSettings settings)
    {
        var url = settings.Text("url", "http://127.0.0.1:8123");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            throw new ConnectorSettingsException($"url: '{url}' is not an http(s) URL; write e.g. http://clickhouse:8123");
        var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        if (settings.Text("user") is { } user)
        {
            http.DefaultRequestHeaders.Add("X-ClickHouse-User", user);
            http.DefaultRequestHeaders.Add("X-ClickHouse-Key", settings.Text("password") ?? string.Empty);
        }

        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
        return http;
    }

    private static string Identifier(string setting, string name) =>
        PlainName().IsMatch(name) ? name : throw new ConnectorSettingsException($"{setting}: '{name}' is not a plain name (letters, digits, _)");

    // ClickHouse string literals escape the backslash and the quote with a backslash.
    private static string Literal(string text) => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex PlainName();

    private sealed record Row(
        [property: System.Text.Json.Serialization.JsonPropertyName("id")] string Id,
        [property: System.Text.Json.Serialization.JsonPropertyName("key")] string Key,
        [property: System.Text.Json.Serialization.JsonPropertyName("value")] string Value,
        [property: System.Text.Json.Serialization.JsonPropertyName("headers")] string Headers,
        [property: System.Text.Json.Serialization.JsonPropertyName("event_time")] string EventTime,
        [property: System.Text.Json.Serialization.JsonPropertyName("source")] string Source,
        [property: System.Text.Json.Serialization.JsonPropertyName("offset")] string Offset);
}
