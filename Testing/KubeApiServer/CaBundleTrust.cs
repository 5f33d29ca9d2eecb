using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EtlRouter.Testing.KubeApiServer;

/// <summary>
/// How the API server trusts a webhook: only the CAs of its caBundle, and the certificate must name the host
/// called. Tests that call the webhook themselves use the same check.
/// </summary>
public static class CaBundleTrust
{
    public static bool Validates(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection trusted)
    {
        if (certificate is null || trusted.Count == 0 || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    }
}
