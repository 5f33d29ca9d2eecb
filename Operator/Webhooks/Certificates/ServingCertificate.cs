using System.Security.Cryptography.X509Certificates;

namespace EtlRouter.Operator.Webhooks.Certificates;

/// <summary>
/// The certificate the webhook endpoint presents right now. Kestrel asks for it on every TLS handshake, so a
/// rotated certificate is served from the next connection on, without a restart.
/// </summary>
internal sealed class ServingCertificate
{
    private volatile X509Certificate2? current;

    public X509Certificate2? Current => current;

    public bool IsLoaded => current is not null;

    public void Use(X509Certificate2 certificate)
    {
        if (current?.Thumbprint == certificate.Thumbprint) return;

        // The old certificate stays referenced by connections already open; it is not disposed here.
        current = certificate;
    }
}
