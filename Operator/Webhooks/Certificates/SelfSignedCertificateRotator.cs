using System.Security.Cryptography;
using System.Text;
using System.Security.Cryptography.X509Certificates;
using EtlRouter.Operator.Security;
using EtlRouter.OperatorRuntime;
using EtlRouter.Security.Certificates;
using EtlRouter.OperatorRuntime.Abstractions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Operator.Webhooks.Certificates;

/// <summary>
/// Keeps the webhook's own CA (<see cref="SecretAuthority"/>) and its serving certificate in one Secret: creates them
/// on first start, renews each by the one renewal rule (<see cref="CertificateRenewal"/>), serves whatever the Secret
/// holds, and keeps the webhook configurations' caBundle current.
/// Every replica runs this; the Secret's resourceVersion makes sure two replicas never both write a new one.
/// </summary>
[GenericRbac(Groups = [""], Resources = ["secrets"], Verbs = RbacVerb.Get | RbacVerb.Create | RbacVerb.Update)]
internal sealed class SelfSignedCertificateRotator(
    IKubernetes client,
    WebhookSettings settings,
    OperatorSettings operatorSettings,
    ServingCertificate serving,
    CaBundlePublisher publisher,
    TimeProvider time,
    ILogger<SelfSignedCertificateRotator> logger) : BackgroundService
{
    private readonly SecretAuthority authority = new(client, new SecretAuthority.Options(
        operatorSettings.Namespace, settings.SecretName, "etl-router-webhook-ca", settings.CaValidity, operatorSettings.Name), time, logger);

    /// <summary>The names the serving certificate covers: the Service's DNS names and any additional hosts.</summary>
    public IReadOnlyList<string> Hosts =>
    [
        settings.ServiceName,
        $"{settings.ServiceName}.{operatorSettings.Namespace}",
        $"{settings.ServiceName}.{operatorSettings.Namespace}.svc",
        $"{settings.ServiceName}.{operatorSettings.Namespace}.svc.cluster.local",
        .. settings.AdditionalHosts,
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.CheckInterval, time);
        do
        {
            try
            {
                await RotateAsync(force: false, stoppingToken);
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException)
            {
                logger.LogWarning(e, "Could not check the webhook certificate in Secret {Namespace}/{Secret}; trying again in {Interval}", operatorSettings.Namespace, settings.SecretName, settings.CheckInterval);
            }
        }
        while (await CheckTimer.NextAsync(timer, stoppingToken));
    }

    /// <summary>
    /// Makes sure the Secret holds a CA and a serving certificate that are not due for renewal (a new serving
    /// certificate when <paramref name="force"/>), serves it and publishes the CA bundle. Returns what is served.
    /// A CA renewal is two steps: the new CA joins the bundle while the current serving certificate (signed by the old
    /// CA, still in the bundle) is served on; the next serving certificate is signed by the new CA, which the API
    /// server trusts by then.
    /// </summary>
    public async Task<WebhookCertificateBundle> RotateAsync(bool force, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var kept = await authority.EnsureAsync(cancellationToken)
                ?? throw new InvalidOperationException($"Secret {operatorSettings.Namespace}/{settings.SecretName} holds no webhook CA");
            var stored = StoredServing(kept);
            if (!force && stored is not null && Current(stored))
            {
                await UseAsync(stored, cancellationToken);
                return stored;
            }

            var issued = CertificateIssuer.IssueServing(kept.Authority, Hosts, time.GetUtcNow(), settings.ServingCertificateValidity);
            var wanted = new WebhookCertificateBundle(
                kept.BundlePem,
                kept.Text(SecretAuthority.KeyKey)!,
                issued.ExportCertificatePem() + "\n" + kept.Authority.ExportCertificatePem() + "\n",
                issued.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
            try
            {
                await authority.WriteBesideAsync(kept, new Dictionary<string, byte[]>
                {
                    [WebhookCertificateBundle.ServingCertificateKey] = Encoding.UTF8.GetBytes(wanted.ServingCertificatePem),
                    [WebhookCertificateBundle.ServingKeyKey] = Encoding.UTF8.GetBytes(wanted.ServingKeyPem),
                }, cancellationToken);
                logger.LogInformation("Wrote a new webhook serving certificate to Secret {Namespace}/{Secret} (valid until {NotAfter:u})", operatorSettings.Namespace, settings.SecretName, issued.NotAfter.ToUniversalTime());
                await UseAsync(wanted, cancellationToken);
                return wanted;
            }
            catch (HttpOperationException e) when (SecretAuthority.Retry(e, attempt))
            {
                // Another replica wrote first: read what it wrote and use that.
                force = false;
            }
        }
    }

    // Not due for renewal and naming every host the Service gives the webhook.
    private bool Current(WebhookCertificateBundle stored)
    {
        using var certificate = stored.Serving();
        return !CertificateRenewal.IsDue(certificate, time.GetUtcNow(), settings.ServingCertificateValidity) && CertificateRenewal.Covers(certificate, Hosts);
    }

    // The serving certificate the Secret holds beside the CA, or null when it is missing or cannot be read.
    private WebhookCertificateBundle? StoredServing(SecretAuthority.Kept kept)
    {
        if (kept.Text(WebhookCertificateBundle.ServingCertificateKey) is not { } certificate || kept.Text(WebhookCertificateBundle.ServingKeyKey) is not { } key) return null;
        var stored = new WebhookCertificateBundle(kept.BundlePem, kept.Text(SecretAuthority.KeyKey)!, certificate, key);
        try
        {
            using var _ = stored.Serving();
            return stored;
        }
        catch (CryptographicException e)
        {
            logger.LogWarning("Secret {Namespace}/{Secret} holds a serving certificate that cannot be read ({Error}); replacing it", operatorSettings.Namespace, settings.SecretName, e.Message);
            return null;
        }
    }

    private async Task UseAsync(WebhookCertificateBundle bundle, CancellationToken cancellationToken)
    {
        serving.Use(bundle.Serving());
        await publisher.PublishAsync(bundle.CaBundlePem, cancellationToken);
    }
}
