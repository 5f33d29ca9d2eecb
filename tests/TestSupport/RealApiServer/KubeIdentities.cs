using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;

namespace EtlRouter.Tests.RealApiServer;

/// <summary>
/// Kubeconfigs for whoever a test needs to be on a <see cref="RealKubeApiServer"/>: a user with groups (a client
/// certificate signed by the server's client CA, as kubeadm's admin.conf is), or a ServiceAccount (a token from
/// the TokenRequest API, as a pod's projected token is). RBAC then decides what each may do.
/// </summary>
public static class KubeIdentities
{
    /// <summary>Writes a kubeconfig for user <paramref name="user"/> in <paramref name="groups"/> and returns its path.</summary>
    public static string User(RealKubeApiServer api, string user, params string[] groups)
    {
        using var ca = X509Certificate2.CreateFromPemFile(api.ClientCaPath, api.ClientCaKeyPath);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        foreach (var group in groups) subject.AddOrganizationName(group);
        subject.AddCommonName(user);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var certificate = request.Create(ca, ca.NotBefore, DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(12));
        var credentials = $"""
                client-certificate-data: {Base64(certificate.ExportCertificatePem())}
                client-key-data: {Base64(key.ExportPkcs8PrivateKeyPem())}
            """;
        var path = Path.Combine(api.Directory, $"user-{user}.kubeconfig");
        File.WriteAllText(path, api.Kubeconfig(user, credentials));
        return path;
    }

    /// <summary>
    /// Creates ServiceAccount <paramref name="ns"/>/<paramref name="name"/> (and its namespace) when missing, asks the
    /// server for a token of it, and returns the path of a kubeconfig (in a new temporary folder) for the same cluster that
    /// uses the token. Works on any cluster the admin kubeconfig names.
    /// </summary>
    public static async Task<string> ServiceAccountAsync(string adminKubeconfig, string ns, string name)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(adminKubeconfig);
        var admin = new Kubernetes(config);
        await IgnoreConflict(() => admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }));
        await IgnoreConflict(() => admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = name } }, ns));
        var token = await admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 24 * 3600 } },
            name,
            ns);
        var authority = config.SslCaCerts is { Count: > 0 } cas
            ? $"certificate-authority-data: {Base64(string.Concat(cas.Select(c => c.ExportCertificatePem() + "\n")))}"
            : "insecure-skip-tls-verify: true";
        var kubeconfig = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: cluster
              cluster:
                server: {config.Host}
                {(config.SkipTlsVerify ? "insecure-skip-tls-verify: true" : authority)}
            users:
            - name: {ns}-{name}
              user:
                token: {token.Status.Token}
            contexts:
            - name: cluster
              context:
                cluster: cluster
                user: {ns}-{name}
                namespace: {ns}
            current-context: cluster

            """;
        var path = Path.Combine(Directory.CreateTempSubdirectory("etl-identity-").FullName, $"{ns}-{name}.kubeconfig");
        await File.WriteAllTextAsync(path, kubeconfig);
        return path;
    }

    private static string Base64(string pem) => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(pem));

    private static async Task IgnoreConflict(Func<Task> create)
    {
        try
        {
            await create();
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
        }
    }
}
