using System.Security.Cryptography.X509Certificates;

namespace EtlRouter.Security.Identity;

/// <summary>
/// Who a certificate says its holder is, carried as one SPIFFE-style URI in the subject alternative names (as
/// Istio and Linkerd do): <c>spiffe://etl-router/router/node-1</c>, <c>spiffe://etl-router/operator/etl-operator</c>,
/// <c>spiffe://etl-router/admin/alice</c>, <c>spiffe://etl-router/viewer/bob</c> and
/// <c>spiffe://etl-router/ns/shop/sidecar/orders-7d9f</c>. Names, not host names, decide who may do what.
/// </summary>
public sealed record PeerIdentity(PeerRole Role, string Name, string? Namespace = null)
{
    public const string TrustDomain = "etl-router";

    private const string Prefix = "spiffe://" + TrustDomain + "/";

    public static PeerIdentity Router(string nodeId) => new(PeerRole.Router, nodeId);

    public static PeerIdentity Operator(string name) => new(PeerRole.Operator, name);

    public static PeerIdentity Admin(string name) => new(PeerRole.Admin, name);

    public static PeerIdentity Viewer(string name) => new(PeerRole.Viewer, name);

    public static PeerIdentity Sidecar(string @namespace, string sidecarId) => new(PeerRole.Sidecar, sidecarId, @namespace);

    public string Uri => Role == PeerRole.Sidecar
        ? $"{Prefix}ns/{Namespace}/sidecar/{Name}"
        : $"{Prefix}{Role.ToString().ToLowerInvariant()}/{Name}";

    public override string ToString() => Uri;

    /// <summary>The identity a URI names, or null for any other URI (another trust domain, another shape).</summary>
    public static PeerIdentity? FromUri(string uri)
    {
        if (!uri.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var parts = uri[Prefix.Length..].Split('/');
        if (parts.Any(p => p.Length == 0)) return null;
        return parts switch
        {
            ["ns", var ns, "sidecar", var name] => Sidecar(ns, name),
            ["router", var name] => Router(name),
            ["operator", var name] => Operator(name),
            ["admin", var name] => Admin(name),
            ["viewer", var name] => Viewer(name),
            _ => null,
        };
    }

    /// <summary>The identity in a certificate's subject alternative names, or null when it carries none.</summary>
    public static PeerIdentity? FromCertificate(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            // .NET enumerates DNS names and IP addresses only; URIs are read from the raw extension.
            foreach (var uri in SubjectAlternativeNames.Uris(extension))
            {
                if (FromUri(uri) is { } identity) return identity;
            }
        }

        return null;
    }
}
