using EtlRouter.Security.Identity;
using EtlRouter.Security.Tls;
using EtlRouter.Sidecar.Configuration;

namespace EtlRouter.Sidecar.Security;

/// <summary>
/// This sidecar's transport security: null <see cref="Tls"/> in plaintext mode. The router must prove it is a
/// router node; another sidecar must prove it is a sidecar of this namespace (pipelines never cross namespaces).
/// The pod's own services, on the pod's loopback, are called without TLS, as in Istio and Linkerd.
/// </summary>
internal sealed class SidecarTransport(MutualTls? tls, SidecarOptions options)
{
    public MutualTls? Tls => tls;

    public bool IsMutual => tls is not null;

    public void ForSidecar(SocketsHttpHandler handler, string address) =>
        tls?.Configure(handler, IsPeerSidecar, $"the sidecar at {address}");

    /// <summary>A sidecar of this namespace: the only kind of caller the data-plane port serves.</summary>
    public bool IsPeerSidecar(PeerIdentity identity) =>
        identity.Role == PeerRole.Sidecar && string.Equals(identity.Namespace, options.Namespace, StringComparison.Ordinal);
}
