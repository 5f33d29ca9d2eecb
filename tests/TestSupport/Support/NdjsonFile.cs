using System.Text.Json;

namespace EtlRouter.Tests.Support;

/// <summary>Reads what the file sink wrote.</summary>
public static class NdjsonFile
{
    public static List<string> Ids(string path)
    {
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var ids = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            // The last line may be half-written while the sink appends.
            if (line.Length == 0 || !line.EndsWith('}')) continue;
            ids.Add(JsonDocument.Parse(line).RootElement.GetProperty("id").GetString()!);
        }

        return ids;
    }

    /// <summary>Every whole line: the record's id, its JSON value and its headers (empty when it had none).</summary>
    public static List<(string Id, JsonElement Value, IReadOnlyDictionary<string, string> Headers)> Lines(string path)
    {
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<(string, JsonElement, IReadOnlyDictionary<string, string>)>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || !line.EndsWith('}')) continue;
            var root = JsonDocument.Parse(line).RootElement;
            var headers = root.TryGetProperty("headers", out var found)
                ? found.EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString() ?? string.Empty)
                : new Dictionary<string, string>();
            lines.Add((root.GetProperty("id").GetString()!, root.GetProperty("value").Clone(), headers));
        }

        return lines;
    }

    /// <summary>Waits until at least <paramref name="distinct"/> distinct ids are in the file; returns every id line.</summary>
    public static async Task<List<string>> WaitForIdsAsync(string path, int distinct, Func<string> diagnostics, TimeSpan? deadline = null)
    {
        try
        {
            return await Eventually.WaitFor(() => Task.FromResult(Ids(path) is var ids && ids.Distinct().Count() >= distinct ? ids : null),
                $"{distinct} distinct records in {path}", deadline ?? TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} (have {Ids(path).Distinct().Count()})\n{diagnostics()}", e);
        }
    }
}
