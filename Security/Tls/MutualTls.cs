using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using EtlRouter.Security.Identity;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Security.Tls;

/// <summary>
/// The TLS settings of every hop, both ends: a server requires a certificate from the install CA and refuses the
/// handshake otherwise, so nothing a stranger sends is ever read as a message; a client presents its own and
/// accepts only a server whose identity it expects. Host names are not checked: identities are (as in Istio).
/// </summary>
public sealed class MutualTls(IdentityCertificates certificates, ILogger logger)
{
    // AES-128-GCM first (then AES-256-GCM and ChaCha20 for peers that insist): as safe for this traffic and the
    // cheapest with AES-NI, which matters on a data plane that encrypts every record at every hop (bench/results/mtls-cost.md).
    private static readonly CipherSuitesPolicy? Ciphers = OperatingSystem.IsLinux() ? new(
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ]) : null;

    public IdentityCertificates Certificates => certificates;

    /// <summary>
    /// Options for one accepted connection; <paramref name="allowed"/> says which callers this port serves. With
    /// <paramref name="requireCertificate"/> false a caller without a certificate is let in (a port that also
    /// serves health probes); one that presents a certificate must still present a valid one.
    /// </summary>
    public SslServerAuthenticationOptions ServerOptions(string port, EndPoint? remote, SslApplicationProtocol protocol, Func<PeerIdentity, bool> allowed, bool requireCertificate = true) => new()
    {
        // Asked on every handshake: a renewed certificate is served from the next connection on.
        ServerCertificateSelectionCallback = (_, _) => certificates.Certificate,
        ClientCertificateRequired = true,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        CipherSuitesPolicy = Ciphers,
        ApplicationProtocols = [protocol],
        RemoteCertificateValidationCallback = (_, presented, _, _) =>
            (presented is null && !requireCertificate) || Check(presented, allowed, $"Refused a TLS connection to the {port} port from {remote}"),
    };

    /// <summary>Options for dialling a server whose identity <paramref name="expected"/> accepts.</summary>
    public SslClientAuthenticationOptions ClientOptions(Func<PeerIdentity, bool> expected, string target) => new()
    {
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        CipherSuitesPolicy = Ciphers,
        // Asked on every handshake: a renewed certificate is presented from the next connection on.
        LocalCertificateSelectionCallback = (_, _, _, _, _) => certificates.Certificate,
        RemoteCertificateValidationCallback = (_, presented, _, _) => Check(presented, expected, $"Refused to talk to {target}"),
    };

    /// <summary>A gRPC client handler that speaks mutual TLS to servers <paramref name="expected"/> accepts.</summary>
    public void Configure(SocketsHttpHandler handler, Func<PeerIdentity, bool> expected, string target) =>
        handler.SslOptions = ClientOptions(expected, target);

    /// <summary>Both ends of the Raft transport (DotNext's TCP): only router nodes on either side.</summary>
    public DotNextSslOptions RaftOptions() => new(
        ServerOptions("raft", remote: null, new SslApplicationProtocol("etl-raft"), Roles(PeerRole.Router)),
        ClientOptions(Roles(PeerRole.Router), "a Raft peer"));

    /// <summary>Logs a connection that ended without a TLS handshake: plaintext, garbage, or nothing at all.</summary>
    public void RefusedWithoutHandshake(string port, EndPoint? remote) =>
        logger.LogWarning("Refused a connection to the {Port} port from {Remote}: it sent no TLS handshake (plaintext or garbage); every caller must speak TLS with a certificate from the install CA", port, remote);

    public static Func<PeerIdentity, bool> Roles(params PeerRole[] roles) => identity => roles.Contains(identity.Role);

    private bool Check(System.Security.Cryptography.X509Certificates.X509Certificate? presented, Func<PeerIdentity, bool> allowed, string what)
    {
        var verification = certificates.Verify(presented);
        if (!verification.Accepted)
        {
            logger.LogWarning("{What}: {Reason}", what, verification.Refusal);
            return false;
        }

        if (!allowed(verification.Identity!))
        {
            logger.LogWarning("{What}: {Identity} may not connect here", what, verification.Identity);
            return false;
        }

        return true;
    }
}

/// <summary>The two halves DotNext's Raft transport takes (its SslOptions), without tying this library to DotNext.</summary>
public sealed record DotNextSslOptions(SslServerAuthenticationOptions Server, SslClientAuthenticationOptions Client);
