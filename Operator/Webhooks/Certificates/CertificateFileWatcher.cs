using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Operator.Webhooks.Certificates;

/// <summary>
/// Serves tls.crt/tls.key from a mounted directory (cert-manager's Secret) and re-reads them when they change.
/// Polls rather than watches: a Secret volume is updated by swapping a symlink, which file watchers miss.
/// caBundle is cert-manager's to keep (its CA injector), so nothing is published from here.
/// </summary>
internal sealed class CertificateFileWatcher(WebhookSettings settings, ServingCertificate serving, TimeProvider time, ILogger<CertificateFileWatcher> logger) : BackgroundService
{
    private string? loadedFrom;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.CheckInterval < TimeSpan.FromSeconds(10) ? settings.CheckInterval : TimeSpan.FromSeconds(10), time);
        do
        {
            Reload();
        }
        while (await CheckTimer.NextAsync(timer, stoppingToken));
    }

    /// <summary>Loads the files when their content changed; returns whether a certificate is being served.</summary>
    public bool Reload()
    {
        var certificatePath = Path.Combine(settings.CertificateDirectory, "tls.crt");
        var keyPath = Path.Combine(settings.CertificateDirectory, "tls.key");
        try
        {
            var certificatePem = File.ReadAllText(certificatePath);
            var keyPem = File.ReadAllText(keyPath);
            var fingerprint = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(certificatePem + keyPem)));
            if (fingerprint == loadedFrom) return true;
            serving.Use(X509Certificate2.CreateFromPem(certificatePem, keyPem));
            loadedFrom = fingerprint;
            logger.LogInformation("Serving the webhook certificate from {Directory}", settings.CertificateDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            logger.LogWarning("Cannot load the webhook certificate from {Directory} ({Error}); the webhook is not ready until it can", settings.CertificateDirectory, e.Message);
        }

        return serving.IsLoaded;
    }
}
