using System.Net;
using EtlRouter.Contracts;
using EtlRouter.Contracts.Addresses;

namespace EtlRouter.RouterRuntime.Configuration;

/// <summary>A Raft member as RAFT_PEERS names it: <c>id=host:port</c>.</summary>
internal sealed record RaftPeer(string Id, string Host, int Port)
{
    public string Address => new HostPort(Host, Port).ToString();

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
        if (id.Length == 0)
            throw new RouterConfigurationException($"{variable}: '{entry}' has no id; write id=host:port entries, e.g. 1=127.0.0.1:7001,2=127.0.0.1:7002.");
        if (!HostPort.TryParse(entry[(equals + 1)..], out var address, out var problem))
            throw new RouterConfigurationException($"{variable}: '{entry}': the address {problem}.");

        return new RaftPeer(id, address.Host, address.Port);
    }

    /// <summary>An endpoint as host:port, the way RAFT_PEERS writes it (a DnsEndPoint prints its address family first).</summary>
    public static string AddressOf(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => new HostPort(dns.Host, dns.Port).ToString(),
        IPEndPoint ip => new HostPort(ip.Address.ToString(), ip.Port).ToString(),
        _ => endPoint.ToString() ?? string.Empty,
    };

    /// <summary>Parses a bare host:port (as AddClusterNode receives it).</summary>
    public static bool TryParseAddress(string address, out EndPoint? endPoint, out string problem)
    {
        endPoint = HostPort.TryParse(address, out var parsed, out problem) ? new RaftPeer("?", parsed.Host, parsed.Port).EndPoint : null;
        return endPoint is not null;
    }
}
