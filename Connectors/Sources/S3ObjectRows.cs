using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using CsvHelper.Configuration;

namespace EtlRouter.Connectors.Sources;

/// <summary>
/// The rows of one object as record values, numbered from 1 so a position (object, row) names the same row after
/// a restart: newline-delimited JSON (each non-empty line is a value, as it is) or CSV with a header row (each
/// row becomes a JSON object; numbers and true/false become JSON numbers and booleans, so conditions can compare
/// them; RFC 4180 quoting through CsvHelper).
/// </summary>
internal static class S3ObjectRows
{
    public static IAsyncEnumerable<(long Row, byte[] Value)> ReadAsync(Stream content, string format, CancellationToken cancellationToken) =>
        format == "csv" ? CsvAsync(content, cancellationToken) : NdjsonAsync(content, cancellationToken);

    /// <summary>The format an object is read as: --format ndjson or csv, or by its name's extension (auto).</summary>
    public static string FormatOf(string key, string setting) => setting switch
    {
        "csv" or "ndjson" => setting,
        _ => key.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || key.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase) ? "csv" : "ndjson",
    };

    private static async IAsyncEnumerable<(long, byte[])> NdjsonAsync(Stream content, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(content, Encoding.UTF8);
        long row = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            row++;
            if (line.Length == 0 || string.IsNullOrWhiteSpace(line)) continue;
            yield return (row, Encoding.UTF8.GetBytes(line));
        }
    }

    private static async IAsyncEnumerable<(long, byte[])> CsvAsync(Stream content, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(content, Encoding.UTF8);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { DetectDelimiter = false, BadDataFound = null, MissingFieldFound = null });
        if (!await csv.ReadAsync() || !csv.ReadHeader()) yield break;
        var header = csv.HeaderRecord ?? [];
        long row = 0;
        while (await csv.ReadAsync())
        {
            cancellationToken.ThrowIfCancellationRequested();
            row++;
            var value = new JsonObject();
            for (var i = 0; i < header.Length; i++) value[header[i]] = Typed(csv.GetField(i));
            yield return (row, JsonSerializer.SerializeToUtf8Bytes(value));
        }
    }

    private static JsonNode? Typed(string? field) => field switch
    {
        null => null,
        "true" or "false" => JsonValue.Create(field == "true"),
        _ when field.Length is > 0 and < 30 && (char.IsDigit(field[0]) || field[0] == '-') && decimal.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
        _ => JsonValue.Create(field),
    };
}
