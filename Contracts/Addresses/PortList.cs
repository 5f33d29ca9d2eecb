using System.Globalization;

namespace EtlRouter.Contracts.Addresses;

/// <summary>
/// Parses port lists such as <c>50051-50060,7000</c>: the syntax of the sidecar's DISCOVERY_PORTS and of the
/// injector's <c>etl.router/discovery-ports</c> annotation, kept here so both read it the same way.
/// </summary>
public static class PortList
{
    /// <summary>More than this many ports would make every rescan slow; a typo like 1-65535 is refused.</summary>
    public const int MaxPorts = 1024;

    public static IReadOnlyList<int> Parse(string text, string setting)
    {
        var ports = new SortedSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var bounds = part.Split('-', StringSplitOptions.TrimEntries);
            if (bounds.Length is < 1 or > 2 || !TryPort(bounds[0], out var first) || !TryPort(bounds[^1], out var last) || last < first)
            {
                throw new FormatException(
                    $"{setting}: '{part}' is not a port or a range; write ports and ranges such as 50051-50060,7000.");
            }

            for (var port = first; port <= last; port++)
            {
                ports.Add(port);
                if (ports.Count > MaxPorts)
                {
                    throw new FormatException($"{setting}: more than {MaxPorts} ports; name the few the pod's services use.");
                }
            }
        }

        return [.. ports];
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;
}
