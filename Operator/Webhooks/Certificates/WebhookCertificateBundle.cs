using System.Security.Cryptography.X509Certificates;
using EtlRouter.Operator.Security;

namespace EtlRouter.Operator.Webhooks.Certificates;

/// <summary>
/// What the webhook's Secret holds: its CA as <see cref="SecretAuthority"/> keeps it (the bundle the API server
/// trusts, current CA first, and the CA's key, which signs the next serving certificate), and the serving
/// certificate with its key.
/// </summary>
internal sealed record WebhookCertificateBundle(string CaBundlePem, string CaKeyPem, string ServingCertificatePem, string ServingKeyPem)
{
    public const string ServingCertificateKey = "tls.crt";
    public const string ServingKeyKey = "tls.key";

    /// <summary>The current CA with its key.</summary>
    public X509Certificate2 Authority() => X509Certificate2.CreateFromPem(SecretAuthority.FirstCertificate(CaBundlePem), CaKeyPem);

    /// <summary>Every CA in the bundle (the current one first).</summary>
    public X509Certificate2Collection Authorities()
    {
        var all = new X509Certificate2Collection();
        all.ImportFromPem(CaBundlePem);
        return all;
    }

    /// <summary>The serving certificate with its key, ready for Kestrel.</summary>
    public X509Certificate2 Serving() => X509Certificate2.CreateFromPem(ServingCertificatePem, ServingKeyPem);
}
