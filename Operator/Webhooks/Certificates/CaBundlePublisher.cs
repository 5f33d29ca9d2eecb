using System.Net;
using System.Text;
using EtlRouter.OperatorRuntime.Abstractions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Operator.Webhooks.Certificates;

/// <summary>
/// Writes the CA bundle into every webhook of the operator's two webhook configurations, so the API server
/// trusts the certificate the endpoint serves. A configuration that does not exist yet is skipped (it gets the
/// bundle on the next check after it is applied).
/// </summary>
[GenericRbac(Groups = ["admissionregistration.k8s.io"], Resources = ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"], Verbs = RbacVerb.Get | RbacVerb.Patch)]
internal sealed class CaBundlePublisher(IKubernetes client, WebhookSettings settings, ILogger<CaBundlePublisher> logger)
{
    public async Task PublishAsync(string caBundlePem, CancellationToken cancellationToken)
    {
        var bundle = Encoding.UTF8.GetBytes(caBundlePem);
        await PublishAsync(
            "mutating",
            settings.MutatingConfigurationName,
            async () => (await client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(settings.MutatingConfigurationName, cancellationToken: cancellationToken)).Webhooks?.Select(w => w.ClientConfig?.CaBundle).ToList(),
            patch => client.AdmissionregistrationV1.PatchMutatingWebhookConfigurationAsync(patch, settings.MutatingConfigurationName, cancellationToken: cancellationToken),
            bundle);
        await PublishAsync(
            "validating",
            settings.ValidatingConfigurationName,
            async () => (await client.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync(settings.ValidatingConfigurationName, cancellationToken: cancellationToken)).Webhooks?.Select(w => w.ClientConfig?.CaBundle).ToList(),
            patch => client.AdmissionregistrationV1.PatchValidatingWebhookConfigurationAsync(patch, settings.ValidatingConfigurationName, cancellationToken: cancellationToken),
            bundle);
    }

    private async Task PublishAsync(string kind, string name, Func<Task<List<byte[]?>?>> read, Func<V1Patch, Task> patch, byte[] bundle)
    {
        List<byte[]?>? current;
        try
        {
            current = await read();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            logger.LogDebug("The {Kind} webhook configuration {Name} does not exist yet; its caBundle is set once it does", kind, name);
            return;
        }

        if (current is null || current.Count == 0 || current.All(b => b is not null && b.AsSpan().SequenceEqual(bundle))) return;

        // "add" on an existing member replaces it (RFC 6902), so one operation per webhook covers both cases.
        var operations = new List<object>();
        for (var i = 0; i < current.Count; i++)
            operations.Add(new { op = "add", path = $"/webhooks/{i}/clientConfig/caBundle", value = Convert.ToBase64String(bundle) });
        await patch(new V1Patch(operations, V1Patch.PatchType.JsonPatch));
        logger.LogInformation("Set the caBundle of the {Kind} webhook configuration {Name} ({Count} webhooks)", kind, name, current.Count);
    }
}
