using System.Globalization;

namespace EtlRouter.Contracts.Addresses;

/// <summary>
/// A plain <c>host:port</c> address, the one way every place reads it: an EtlSource/EtlTransform/EtlSink
/// <c>spec.grpc.endpoint</c>, a stage endpoint the router accepts, a sidecar's ADVERTISE_ADDRESS, a RAFT_PEERS
/// entry. The host is a DNS name, an IPv4 address or a bracketed IPv6 address; the port is 1 to 65535.
/// </summary>
public readonly record struct HostPort(string Host, int Port)
{
    /// <summary>The longest host a DNS name may be.</summary>
    public const int MaxHostLength = 253;

    /// <summary>
    /// Reads <paramref name="text"/>; when it is not host:port, <paramref name="problem"/> says what is wrong with
    /// it and how to write it, ready to follow the field's name and value in an error.
    /// </summary>
    public static bool TryParse(string? text, out HostPort address, out string problem)
    {
        address = default;
        var value = text?.Trim() ?? string.Empty;
        var colon = value.LastIndexOf(':');
        problem = value switch
        {
            "" => "is empty; write host:port, e.g. my-svc:50051",
            _ when value.Contains("://", StringComparison.Ordinal) => "has a scheme; write only host:port, e.g. my-svc:50051",
            _ when colon <= 0 || colon == value.Length - 1 => "has no port; write it as host:port, e.g. my-svc:50051",
            _ => string.Empty,
        };
        if (problem.Length > 0) return false;

        var host = value[..colon];
        var portText = value[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            problem = $"has port '{portText}'; use a port from 1 to 65535";
            return false;
        }

        var bracketed = host.StartsWith('[') && host.EndsWith(']');
        if (bracketed) host = host[1..^1];
        var kind = Uri.CheckHostName(host);
        if (host.Length is 0 or > MaxHostLength || kind == UriHostNameType.Unknown || (kind == UriHostNameType.IPv6) != bracketed)
        {
            problem = "has no usable host; write a DNS name, an IPv4 address or [an IPv6 address] before :port";
            return false;
        }

        address = new HostPort(host, port);
        return true;
    }

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
