using System.Net;
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
/// Keeps the webhook's own CA and serving certificate in a Secret: creates them on first start, renews the
/// serving certificate when a third of its life is left (and the CA likewise, keeping the old CA in the bundle
/// until it expires), serves whatever the Secret holds, and keeps the webhook configurations' caBundle current.
/// Every replica runs this; the Secret's resourceVersion makes sure two replicas never both write a new one.
/// </summary>
[GenericRbac(Groups = [""], Resources = ["secrets"], Verbs = RbacVerb.Get | RbacVerb.Create | RbacVerb.Update)]
public sealed class SelfSignedCertificateRotator(
    IKubernetes client,
    WebhookSettings settings,
    OperatorSettings operatorSettings,
    ServingCertificate serving,
    CaBundlePublisher publisher,
    TimeProvider time,
    ILogger<SelfSignedCertificateRotator> logger) : BackgroundService
{
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
    /// Makes sure the Secret holds a certificate that is not due for renewal (a new one when <paramref name="force"/>),
    /// serves it and publishes its CA bundle. Returns what is served.
    /// </summary>
    public async Task<WebhookCertificateBundle> RotateAsync(bool force, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var secret = await ReadSecretAsync(cancellationToken);
            var stored = WebhookCertificateBundle.FromSecretData(secret?.Data);
            var wanted = Renew(stored, force);
            if (ReferenceEquals(wanted, stored))
            {
                await UseAsync(stored!, cancellationToken);
                return stored!;
            }

            try
            {
                await WriteSecretAsync(secret, wanted, cancellationToken);
                logger.LogInformation("Wrote a new webhook serving certificate to Secret {Namespace}/{Secret} (valid until {NotAfter:u})", operatorSettings.Namespace, settings.SecretName, wanted.Serving().NotAfter.ToUniversalTime());
                await UseAsync(wanted, cancellationToken);
                return wanted;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < 5)
            {
                // Another replica wrote first: read what it wrote and use that.
                force = false;
            }
        }
    }

    private WebhookCertificateBundle Renew(WebhookCertificateBundle? stored, bool force)
    {
        var now = time.GetUtcNow();
        X509Certificate2? authority = null;
        X509Certificate2? serving = null;
        try
        {
            authority = stored?.Authority();
            serving = stored?.Serving();
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            logger.LogWarning("Secret {Namespace}/{Secret} holds certificates that cannot be read ({Error}); replacing them", operatorSettings.Namespace, settings.SecretName, e.Message);
        }

        var renewAuthority = authority is null || DueForRenewal(authority, settings.CaValidity, now);
        var renewServing = force || serving is null || DueForRenewal(serving, settings.ServingCertificateValidity, now) || !Covers(serving);
        if (!renewAuthority && !renewServing) return stored!;

        var oldAuthorities = stored?.Authorities().Where(c => c.NotAfter.ToUniversalTime() > now.UtcDateTime).ToList() ?? [];
        if (renewAuthority)
        {
            var next = CertificateIssuer.CreateAuthority("etl-router-webhook-ca", now, settings.CaValidity);
            if (!renewServing && serving is not null && authority is not null)
            {
                // Two steps: publish the new CA beside the old one and keep serving the current certificate;
                // the next serving certificate is signed by the new CA, which callers trust by then.
                return WebhookCertificateBundle.Create(next, authority, serving, authority);
            }

            authority = next;
        }

        var issued = CertificateIssuer.IssueServing(authority!, Hosts, now, settings.ServingCertificateValidity);
        var previous = oldAuthorities.FirstOrDefault(c => c.Thumbprint != authority!.Thumbprint);
        return WebhookCertificateBundle.Create(authority!, previous, issued, authority!);
    }

    private static bool DueForRenewal(X509Certificate2 certificate, TimeSpan validity, DateTimeOffset now)
    {
        var left = certificate.NotAfter.ToUniversalTime() - now.UtcDateTime;
        var life = certificate.NotAfter - certificate.NotBefore;
        return left < (life < validity ? life : validity) / 3;
    }

    private bool Covers(X509Certificate2 serving)
    {
        var names = serving.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()
            .Concat(e.EnumerateIPAddresses().Select(a => a.ToString()))).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return Hosts.All(names.Contains);
    }

    private async Task UseAsync(WebhookCertificateBundle bundle, CancellationToken cancellationToken)
    {
        serving.Use(bundle.Serving());
        await publisher.PublishAsync(bundle.CaBundlePem, cancellationToken);
    }

    private Task<V1Secret?> ReadSecretAsync(CancellationToken cancellationToken) =>
        Secrets.ReadOrNullAsync(client, settings.SecretName, operatorSettings.Namespace, cancellationToken);

    private Task WriteSecretAsync(V1Secret? existing, WebhookCertificateBundle bundle, CancellationToken cancellationToken) =>
        Secrets.WriteAsync(client, existing, new V1ObjectMeta
        {
            Name = settings.SecretName,
            NamespaceProperty = operatorSettings.Namespace,
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = operatorSettings.Name },
        }, "Opaque", bundle.ToSecretData(), cancellationToken);
}
