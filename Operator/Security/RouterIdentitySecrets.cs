using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Controllers;
using EtlRouter.Security.Certificates;
using EtlRouter.Security.Identity;
using k8s;
using k8s.Models;

namespace EtlRouter.Operator.Security;

/// <summary>
/// The Secret a router cluster's pods mount as TLS_DIR (<c>NAME-tls</c>: ca.crt, tls.crt, tls.key): a router
/// identity from the install CA, renewed by the one renewal rule (<see cref="CertificateRenewal"/>), when the CA
/// bundle changed, or when it lacks one of the names the cluster's Services give it. The nodes
/// read the files again every few seconds, so a renewal needs no restart. Without an install CA (tests that run the
/// operator alone) nothing is written.
/// </summary>
internal sealed class RouterIdentitySecrets(IKubernetes kubernetes, TimeProvider time, InstallAuthority? authority = null)
{
    public static string SecretName(EtlRouterCluster cluster) => cluster.Metadata.Name + "-tls";

    public async Task EnsureAsync(EtlRouterCluster cluster, CancellationToken cancellationToken)
    {
        if (authority?.BundlePem is not { } bundle) return;
        var name = SecretName(cluster);
        var ns = cluster.Metadata.NamespaceProperty;
        var existing = await Secrets.ReadOrNullAsync(kubernetes, name, ns, cancellationToken);
        // Through `kubectl port-forward` the router is localhost: a browser opening the dashboard checks that name.
        var hosts = new[] { cluster.Metadata.Name, $"{cluster.Metadata.Name}.{ns}", $"{cluster.Metadata.Name}.{ns}.svc", $"{RouterClusterResources.HeadlessName(cluster)}.{ns}.svc", "localhost", "127.0.0.1" };
        if (existing is not null && Current(existing, bundle, hosts)) return;
        var issued = authority.IssueIdentity(PeerIdentity.Router(cluster.Metadata.Name), hosts);
        var data = new Dictionary<string, byte[]>
        {
            ["ca.crt"] = Encoding.UTF8.GetBytes(bundle),
            ["tls.crt"] = Encoding.UTF8.GetBytes(issued.ExportCertificatePem() + "\n"),
            ["tls.key"] = Encoding.UTF8.GetBytes(issued.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n"),
        };
        var metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = RouterClusterResources.SelectorLabels(cluster), OwnerReferences = [RouterClusterResources.OwnerOf(cluster)] };
        await Secrets.WriteAsync(kubernetes, existing, metadata, "kubernetes.io/tls", data, cancellationToken);
    }

    // Current while it was issued under this bundle, names every host and is not due for renewal.
    private bool Current(V1Secret secret, string bundle, IReadOnlyList<string> hosts)
    {
        string? Text(string key) => secret.Data is { } data && data.TryGetValue(key, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
        if (Text("ca.crt") != bundle || Text("tls.crt") is not { } pem) return false;
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(pem);
            return CertificateRenewal.Covers(certificate, hosts) && !CertificateRenewal.IsDue(certificate, time.GetUtcNow());
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
