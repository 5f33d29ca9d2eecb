using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EtlRouter.OperatorRuntime;
using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.Security.Certificates;
using EtlRouter.Security.Identity;
using EtlRouter.Security.Tls;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Operator.Security;

/// <summary>
/// The install CA, kept in a Secret of the operator's namespace (<see cref="SecretAuthority"/>: made on first start,
/// rotated by the one renewal rule, the old CA kept in the bundle until it expires), or read only when cert-manager
/// keeps it. It issues the operator's own identity (in memory), the
/// router clusters' Secrets and the sidecars' short-lived certificates. Every replica runs this; the Secret's
/// resourceVersion keeps two replicas from both writing a new CA.
/// </summary>
[GenericRbac(Groups = [""], Resources = ["secrets"], Verbs = RbacVerb.Get | RbacVerb.Create | RbacVerb.Update)]
internal sealed class InstallAuthority(
    IKubernetes client,
    InstallAuthoritySettings settings,
    OperatorSettings operatorSettings,
    TimeProvider time,
    ILogger<InstallAuthority> logger) : BackgroundService
{
    private readonly SecretAuthority kept = new(client, new SecretAuthority.Options(
        operatorSettings.Namespace, settings.CaSecretName, "etl-router-install-ca", settings.CaValidity, operatorSettings.Name,
        Manage: settings.ManageCa, AcceptCertManager: true), time, logger);

    private readonly TaskCompletionSource loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IdentityCertificates operatorIdentity = new(new TlsSettings(TransportMode.Mutual, "(issued by the operator)"), time, logger);
    private volatile Authority? current;

    private sealed record Authority(X509Certificate2 Certificate, string BundlePem);

    /// <summary>The CA bundle every holder trusts (the current CA first); null until loaded.</summary>
    public string? BundlePem => current?.BundlePem;

    /// <summary>The operator's own identity for mutual TLS; null until the CA is loaded.</summary>
    public IdentityCertificates? OperatorIdentity => current is null ? null : operatorIdentity;

    /// <summary>Completes once the CA has been read or made.</summary>
    public Task Loaded => loaded.Task;

    /// <summary>Signs a certificate for <paramref name="identity"/> (a router cluster, the operator).</summary>
    public X509Certificate2 IssueIdentity(PeerIdentity identity, IReadOnlyList<string> hosts) =>
        CertificateIssuer.IssueIdentity(Require().Certificate, identity, hosts, time.GetUtcNow(), settings.IdentityValidity);

    /// <summary>Signs a sidecar's signing request for the identity its token proved.</summary>
    public X509Certificate2 SignSidecar(string requestPem, PeerIdentity identity) =>
        CertificateIssuer.SignRequest(Require().Certificate, requestPem, identity, time.GetUtcNow(), settings.SidecarValidity);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.CheckInterval, time);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or CryptographicException)
            {
                logger.LogWarning("Could not read or write the install CA in Secret {Namespace}/{Secret} ({Error}); trying again in {Interval}",
                    operatorSettings.Namespace, settings.CaSecretName, e.Message, settings.CheckInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Reads the CA (making or rotating it when this operator keeps it) and renews the operator's identity.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (await kept.EnsureAsync(cancellationToken) is not { } authority)
        {
            logger.LogWarning("Secret {Namespace}/{Secret} holds no install CA yet (ca.crt and ca.key, or cert-manager's tls.crt and tls.key)", operatorSettings.Namespace, settings.CaSecretName);
            return;
        }

        Use(authority.Authority, authority.BundlePem);
    }

    private void Use(X509Certificate2 authority, string bundle)
    {
        var before = current;
        var caChanged = before is null || before.Certificate.Thumbprint != authority.Thumbprint || before.BundlePem != bundle;
        // One object for the life of the process: channels and listeners made with it pick up every renewal.
        if (caChanged || !operatorIdentity.IsLoaded || CertificateRenewal.IsDue(operatorIdentity.Certificate, time.GetUtcNow(), settings.IdentityValidity))
        {
            var hosts = settings.AdditionalHosts.Append("localhost").Append("127.0.0.1").ToList();
            operatorIdentity.Use(CertificateIssuer.IssueIdentity(authority, PeerIdentity.Operator(operatorSettings.Name), hosts, time.GetUtcNow(), settings.IdentityValidity), bundle);
        }

        current = new Authority(authority, bundle);
        loaded.TrySetResult();
    }

    private Authority Require() => current ?? throw new InvalidOperationException($"the install CA is not loaded yet (Secret {operatorSettings.Namespace}/{settings.CaSecretName})");
}
