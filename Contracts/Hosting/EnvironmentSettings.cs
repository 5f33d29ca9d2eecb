using System.Globalization;
using System.Net;
using EtlRouter.Contracts.Addresses;

namespace EtlRouter.Contracts.Hosting;

/// <summary>
/// Reads a server's settings from its environment (the router, the sidecar): unset or blank means the
/// default; anything else must parse, or <paramref name="invalid"/> is thrown with the variable, its value and
/// what to set instead, so a bad setting stops the process with one line that says how to fix it.
/// </summary>
/// <param name="read">Looks a variable up (Environment.GetEnvironmentVariable, or a dictionary in tests).</param>
/// <param name="invalid">Makes the process's configuration exception from a finished message.</param>
public sealed class EnvironmentSettings(Func<string, string?> read, Func<string, Exception> invalid)
{
    public string? Text(string name) => read(name) is { Length: > 0 } value && value.Trim() is { Length: > 0 } trimmed ? trimmed : null;

    public bool Flag(string name) => Text(name) switch
    {
        null or "false" or "0" => false,
        "true" or "1" => true,
        var other => throw Invalid(name, other, "true or false"),
    };

    public int Number(string name, int fallback, int min, int max)
    {
        if (Text(name) is not { } text) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw Invalid(name, text, $"a whole number from {min} to {max}");
        return value;
    }

    public int Port(string name, int fallback) => Number(name, fallback, 1, 65535);

    public IPAddress IpAddress(string name, IPAddress fallback) => Text(name) switch
    {
        null => fallback,
        var text when IPAddress.TryParse(text, out var ip) => ip,
        var text => throw Invalid(name, text, "an IP address such as 0.0.0.0 or 127.0.0.1"),
    };

    /// <summary>A host:port setting (see <see cref="Addresses.HostPort"/>).</summary>
    public HostPort HostPort(string name, string fallback)
    {
        var text = Text(name) ?? fallback;
        return Addresses.HostPort.TryParse(text, out var address, out var problem)
            ? address
            : throw invalid($"{name}: '{text}' {problem}.");
    }

    /// <summary>The error for a value that does not parse, in the one form every setting uses.</summary>
    public Exception Invalid(string name, string value, string expected) =>
        invalid($"{name}: '{value}' is not valid; set it to {expected}.");
}
