using EtlRouter.Security.Identity;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Security;

/// <summary>Who is calling: the identity in the client certificate the TLS handshake already verified.</summary>
internal static class CallerIdentity
{
    /// <summary>The caller's identity; null in plaintext mode, where nobody is anybody and everything is allowed.</summary>
    public static PeerIdentity? Caller(this ServerCallContext context) =>
        context.GetHttpContext().Connection.ClientCertificate is { } certificate ? PeerIdentity.FromCertificate(certificate) : null;

    /// <summary>
    /// Throws PermissionDenied unless the caller may act for <paramref name="namespace"/>: sidecars only in their
    /// own; the operator, admins and (in plaintext mode) anyone in every namespace.
    /// </summary>
    public static void RequireNamespace(this ServerCallContext context, string @namespace, string field)
    {
        if (context.Caller() is { Role: PeerRole.Sidecar } sidecar && !string.Equals(sidecar.Namespace, @namespace, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{field}: {sidecar} belongs to namespace '{sidecar.Namespace}' and may not act for namespace '{@namespace}'"));
        }
    }

    /// <summary>Throws PermissionDenied when a sidecar names a sidecar id other than its own.</summary>
    public static void RequireSidecarId(this ServerCallContext context, string sidecarId, string field)
    {
        if (context.Caller() is { Role: PeerRole.Sidecar } sidecar && !string.Equals(sidecar.Name, sidecarId, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{field}: '{sidecarId}' is not this caller; {sidecar} may speak only for sidecar '{sidecar.Name}'"));
        }
    }
}
