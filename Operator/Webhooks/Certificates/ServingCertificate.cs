using System.Security.Cryptography.X509Certificates;

namespace EtlRouter.Operator.Webhooks.Certificates;

/// <summary>
/// The certificate the webhook endpoint presents right now. Kestrel asks for it on every TLS handshake, so a
/// rotated certificate is served from the next connection on, without a restart.
/// </summary>
public sealed class ServingCertificate
{
    private volatile X509Certificate2? current;

    public X509Certificate2? Current => current;

    /// <summary>The PEM of the CA bundle callers should trust (what caBundle holds), when the operator knows it.</summary>
    public string? CaBundlePem { get; private set; }

    public bool IsLoaded => current is not null;

    public void Use(X509Certificate2 certificate, string? caBundlePem)
    {
        if (current?.Thumbprint == certificate.Thumbprint) return;

        // The old certificate stays referenced by connections already open; it is not disposed here.
        CaBundlePem = caBundlePem;
        current = certificate;
    }
}
