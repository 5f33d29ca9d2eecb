using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace EtlRouter.Operator.Security;

/// <summary>
/// How the operator keeps its Secrets (the install CA, router identities, the webhook's certificate): read one or
/// learn it is not there, then create it or replace it with the resourceVersion that was read, so two replicas
/// writing at once get a 409 rather than a lost update.
/// </summary>
internal static class Secrets
{
    public static async Task<V1Secret?> ReadOrNullAsync(IKubernetes client, string name, string ns, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Creates the Secret <paramref name="metadata"/> names, or replaces <paramref name="existing"/>'s data.</summary>
    public static async Task WriteAsync(IKubernetes client, V1Secret? existing, V1ObjectMeta metadata, string type, IDictionary<string, byte[]> data, CancellationToken cancellationToken)
    {
        if (existing is null)
        {
            var secret = new V1Secret { ApiVersion = "v1", Kind = "Secret", Metadata = metadata, Type = type, Data = data };
            await client.CoreV1.CreateNamespacedSecretAsync(secret, metadata.NamespaceProperty, cancellationToken: cancellationToken);
            return;
        }

        existing.Data = data;
        await client.CoreV1.ReplaceNamespacedSecretAsync(existing, metadata.Name, metadata.NamespaceProperty, cancellationToken: cancellationToken);
    }
}
