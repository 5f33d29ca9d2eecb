using System.Net.Sockets;
using Grpc.Core;

namespace EtlRouter.Cli.Targets;

/// <summary>
/// Turns a call that failed below gRPC (no connection, no TLS handshake, a refused certificate, a plaintext or TLS
/// mismatch) into one sentence that names the setting or file to fix. Exception text stays out of it: --debug shows
/// the exception itself.
/// </summary>
internal static class TransportFailure
{
    public static string Explain(RpcException failure, string address, string origin, TlsHandshakeObserver? tls, string tlsDirectory)
    {
        if (failure.StatusCode == StatusCode.DeadlineExceeded)
            return $"the router at {address} (from {origin}) did not answer before the deadline; check that it is up (etlctl cluster status) and not overloaded";
        if (Find<SocketException>(failure) is { } socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => $"nothing listens at {address} (from {origin}): is the router running, and is that its gRPC port (50051 by default)?",
                SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => $"cannot resolve the host of {address} (from {origin}); check the name",
                // Cut after a TLS handshake in which etlctl accepted the router: the router refused etlctl's certificate
                // (with TLS 1.3 the client learns it only when it next reads or writes, as a reset or shutdown).
                _ when tls is { Refusal: null, ServerCertificateSeen: true } => RefusedCertificate(address, tlsDirectory),
                _ => $"cannot reach the router at {address} (from {origin}): the network said {socket.SocketErrorCode}; check the address and that the router runs",
            };
        }

        if (tls is null)
            return $"the router at {address} closed the connection: it expects TLS (the default, TLS_MODE=mutual); unset {RouterTarget.TlsModeVariable}=plaintext and set {RouterTarget.TlsDirectoryVariable} to an admin or viewer certificate of its install";
        if (tls.Refusal is { } refusal)
            return $"etlctl refused the server at {address}: {refusal}; {RouterTarget.TlsDirectoryVariable} ({tlsDirectory}) must hold the ca.crt of the install this router belongs to, and {origin} must name a router's gRPC port";
        if (!tls.ServerCertificateSeen)
            return $"the server at {address} did not answer the TLS handshake: it runs with TLS_MODE=plaintext (then set {RouterTarget.TlsModeVariable}=plaintext), or it is not a router";
        return RefusedCertificate(address, tlsDirectory);
    }

    private static string RefusedCertificate(string address, string tlsDirectory) =>
        $"the router at {address} refused etlctl's certificate ({Path.Combine(tlsDirectory, "tls.crt")}): it was not issued by this router's install CA, or the router does not accept it; get an admin or viewer certificate from that CA (`etlctl certs issue`, README \"Security\")";

    private static T? Find<T>(Exception failure)
        where T : Exception
    {
        for (Exception? e = failure; e is not null; e = e.InnerException ?? (e as RpcException)?.Status.DebugException)
        {
            if (e is T found) return found;
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Select(Find<T>).OfType<T>().FirstOrDefault() is { } inner) return inner;
        }

        return null;
    }
}
