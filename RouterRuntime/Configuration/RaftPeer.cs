using System.Globalization;
using System.Net;

namespace EtlRouter.RouterRuntime.Configuration;

/// <summary>A Raft member as RAFT_PEERS names it: <c>id=host:port</c>.</summary>
internal sealed record RaftPeer(string Id, string Host, int Port)
{
    public string Address => $"{Host}:{Port}";

    /// <summary>An IP endpoint when the host is an address, a DNS endpoint otherwise (pod names in a StatefulSet).</summary>
    public EndPoint EndPoint => IPAddress.TryParse(Host, out var ip) ? new IPEndPoint(ip, Port) : new DnsEndPoint(Host, Port);

    public static IReadOnlyList<RaftPeer> ParseList(string text, string variable) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select((entry, index) => entry.Contains('=', StringComparison.Ordinal)
                ? Parse(entry, variable)
                : Parse($"{index + 1}={entry}", variable))
            .ToList();

    public static RaftPeer Parse(string entry, string variable)
    {
        var equals = entry.IndexOf('=', StringComparison.Ordinal);
        var id = entry[..equals].Trim();
        var address = entry[(equals + 1)..].Trim();
        var colon = address.LastIndexOf(':');
        if (id.Length == 0 || colon <= 0
            || !int.TryParse(address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            throw new RouterConfigurationException(
                $"{variable}: '{entry}' is not an id=host:port entry; write e.g. 1=127.0.0.1:7001,2=127.0.0.1:7002.");
        }

        return new RaftPeer(id, address[..colon].Trim('[', ']'), port);
    }

    /// <summary>Parses a bare host:port (as AddClusterNode receives it).</summary>
    public static bool TryParseAddress(string address, out EndPoint? endPoint)
    {
        endPoint = null;
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }

        endPoint = new RaftPeer("?", address[..colon].Trim('[', ']'), port).EndPoint;
        return true;
    }
}
