using System.Globalization;
using Google.Protobuf.Collections;

namespace EtlRouter.Connectors.Hosting;

/// <summary>
/// A connector's settings: command-line flags (<c>--rate 500</c>), overridden per call by the pipeline stage's
/// options of the same name. A malformed value names the setting and what it should look like.
/// </summary>
internal sealed class ConnectorSettings
{
    /// <summary>The gRPC port a connector serves when --port is not given (its image exposes it).</summary>
    public const int DefaultPort = 50052;

    private readonly Dictionary<string, string> flags;

    public ConnectorSettings(Dictionary<string, string> flags) => this.flags = flags;

    public static ConnectorSettings Parse(IEnumerable<string> args)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length < 3)
            {
                throw new ConnectorSettingsException($"'{arg}' is not a flag; write settings as --name value, e.g. --port 50052.");
            }

            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                flags[arg[2..eq]] = arg[(eq + 1)..];
            }
            else
            {
                flags[arg[2..]] = e.MoveNext() ? e.Current : throw new ConnectorSettingsException($"{arg} needs a value.");
            }
        }

        return new ConnectorSettings(flags);
    }

    public string? Text(string name, MapField<string, string>? options = null) =>
        options is not null && options.TryGetValue(name, out var value) && value.Length > 0 ? value
        : flags.TryGetValue(name, out var flag) && flag.Length > 0 ? flag
        : null;

    public string Text(string name, string fallback, MapField<string, string>? options = null) => Text(name, options) ?? fallback;

    public long Number(string name, long fallback, long min = 0, long max = long.MaxValue, MapField<string, string>? options = null)
    {
        if (Text(name, options) is not { } text) return fallback;
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ConnectorSettingsException($"{name}: '{text}' is not valid; expected a whole number from {min} to {max}.");
    }

    /// <summary>Every flag whose name starts with <paramref name="prefix"/> (a client library's own properties).</summary>
    public IEnumerable<KeyValuePair<string, string>> WithPrefix(string prefix) =>
        flags.Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal) && f.Key.Length > prefix.Length);
}
