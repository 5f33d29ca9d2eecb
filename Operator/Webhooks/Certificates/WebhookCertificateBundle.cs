using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EtlRouter.Operator.Webhooks.Certificates;

/// <summary>
/// What the webhook's Secret holds: the CA bundle the API server trusts (the current CA first, then a
/// previous one while it is still valid, so callers holding either trust the endpoint during a rollover),
/// the CA's key (to sign the next serving certificate) and the serving certificate with its key.
/// </summary>
public sealed record WebhookCertificateBundle(string CaBundlePem, string CaKeyPem, string ServingCertificatePem, string ServingKeyPem)
{
    public const string CaBundleKey = "ca.crt";
    public const string CaKeyKey = "ca.key";
    public const string ServingCertificateKey = "tls.crt";
    public const string ServingKeyKey = "tls.key";

    /// <param name="authority">The current CA (its key signs the next serving certificate).</param>
    /// <param name="previousAuthority">An older CA still trusted, or null.</param>
    /// <param name="serving">The serving certificate with its key.</param>
    /// <param name="servingIssuer">The CA that signed <paramref name="serving"/> (sent with it as its chain).</param>
    public static WebhookCertificateBundle Create(X509Certificate2 authority, X509Certificate2? previousAuthority, X509Certificate2 serving, X509Certificate2 servingIssuer)
    {
        var bundle = authority.ExportCertificatePem() + "\n";
        if (previousAuthority is not null && previousAuthority.Thumbprint != authority.Thumbprint)
            bundle += previousAuthority.ExportCertificatePem() + "\n";
        return new WebhookCertificateBundle(
            bundle,
            authority.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(),
            serving.ExportCertificatePem() + "\n" + servingIssuer.ExportCertificatePem() + "\n",
            serving.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The Secret's data, or null when a key is missing.</summary>
    public static WebhookCertificateBundle? FromSecretData(IDictionary<string, byte[]>? data)
    {
        if (data is null) return null;
        string? Text(string key) => data.TryGetValue(key, out var bytes) && bytes.Length > 0 ? Encoding.UTF8.GetString(bytes) : null;
        return Text(CaBundleKey) is { } ca && Text(CaKeyKey) is { } caKey && Text(ServingCertificateKey) is { } cert && Text(ServingKeyKey) is { } key
            ? new WebhookCertificateBundle(ca, caKey, cert, key)
            : null;
    }

    public Dictionary<string, byte[]> ToSecretData() => new()
    {
        [CaBundleKey] = Encoding.UTF8.GetBytes(CaBundlePem),
        [CaKeyKey] = Encoding.UTF8.GetBytes(CaKeyPem),
        [ServingCertificateKey] = Encoding.UTF8.GetBytes(ServingCertificatePem),
        [ServingKeyKey] = Encoding.UTF8.GetBytes(ServingKeyPem),
    };

    /// <summary>The current CA with its key.</summary>
    public X509Certificate2 Authority() => X509Certificate2.CreateFromPem(FirstCertificate(CaBundlePem), CaKeyPem);

    /// <summary>Every CA in the bundle (the current one first).</summary>
    public X509Certificate2Collection Authorities()
    {
        var all = new X509Certificate2Collection();
        all.ImportFromPem(CaBundlePem);
        return all;
    }

    /// <summary>The serving certificate with its key, ready for Kestrel.</summary>
    public X509Certificate2 Serving() => X509Certificate2.CreateFromPem(ServingCertificatePem, ServingKeyPem);

    private static string FirstCertificate(string pem)
    {
        const string End = "-----END CERTIFICATE-----";
        var end = pem.IndexOf(End, StringComparison.Ordinal);
        return end < 0 ? pem : pem[..(end + End.Length)];
    }
}
