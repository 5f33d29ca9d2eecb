using System.Net.Security;
using EtlRouter.Security.Identity;
using EtlRouter.Security.Tls;

namespace EtlRouter.Cli.Targets;

/// <summary>
/// Watches etlctl's side of the TLS handshake with the router: whether the server showed a certificate at all, and
/// why etlctl refused it. That is what tells "the router speaks plaintext", "this is not our install's router" and
/// "the router refused our certificate" apart when a call fails, since the exceptions alone do not.
/// </summary>
internal sealed class TlsHandshakeObserver
{
    /// <summary>A server certificate was presented (so the server speaks TLS).</summary>
    public bool ServerCertificateSeen { get; private set; }

    /// <summary>Why etlctl refused the server's certificate, or null when it did not.</summary>
    public string? Refusal { get; private set; }

    public void Watch(SslClientAuthenticationOptions options, IdentityCertificates certificates, Func<PeerIdentity, bool> expected)
    {
        var check = options.RemoteCertificateValidationCallback!;
        options.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
        {
            ServerCertificateSeen |= certificate is not null;
            if (check(sender, certificate, chain, errors)) return true;
            var verification = certificates.Verify(certificate);
            Refusal = !verification.Accepted ? verification.Refusal : expected(verification.Identity!) ? null : $"it is {verification.Identity}, not a router";
            Refusal ??= "its certificate was refused";
            return false;
        };
    }
}
