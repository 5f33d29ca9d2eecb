using System.Security.Cryptography.X509Certificates;
using System.Text;
using EtlRouter.OperatorRuntime;
using EtlRouter.Operator.Webhooks;
using EtlRouter.Operator.Webhooks.Certificates;
using EtlRouter.Tests.Support;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EtlRouter.Tests.Injection;

/// <summary>The self-signed CA and serving certificate over a year of (fake) time, against the test API server.</summary>
public sealed class CertificateRotationTests
{
    [Fact]
    public async Task The_serving_certificate_and_then_the_ca_are_renewed_when_a_third_of_their_life_is_left_and_the_old_ca_stays_trusted()
    {
        await using var harness = await OperatorHarness.StartAsync(startOperator: false);
        var token = TestContext.Current.CancellationToken;
        var settings = new WebhookSettings { AdditionalHosts = ["127.0.0.1"] };
        var viaUrl = WebhookConfigurations.ViaUrl(new Uri("https://127.0.0.1:1/"));
        await harness.Client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(WebhookConfigurations.Mutating(settings, viaUrl), cancellationToken: token);
        await harness.Client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(WebhookConfigurations.Validating(settings, viaUrl), cancellationToken: token);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var serving = new ServingCertificate();
        var rotator = new SelfSignedCertificateRotator(
            harness.Client, settings, new OperatorSettings { Namespace = "etl-system" }, serving,
            new CaBundlePublisher(harness.Client, settings, NullLogger<CaBundlePublisher>.Instance), time, NullLogger<SelfSignedCertificateRotator>.Instance);

        var first = await rotator.RotateAsync(force: false, token);
        Assert.Single(first.Authorities());
        Assert.Equal(first.Serving().Thumbprint, serving.Current!.Thumbprint);
        Assert.Contains("127.0.0.1", Names(first.Serving()));
        Assert.Contains("etl-operator-webhook.etl-system.svc", Names(first.Serving()));
        Assert.Equal(first.CaBundlePem, await PublishedBundleAsync(harness.Client, settings));

        // Nothing is due: the same certificate, nothing written.
        var same = await rotator.RotateAsync(force: false, token);
        Assert.Equal(first.Serving().Thumbprint, same.Serving().Thumbprint);

        // 61 days in, the 90-day serving certificate has less than a third left: renewed under the same CA.
        time.Advance(TimeSpan.FromDays(61));
        var renewed = await rotator.RotateAsync(force: false, token);
        Assert.NotEqual(first.Serving().Thumbprint, renewed.Serving().Thumbprint);
        Assert.Equal(first.Authority().Thumbprint, renewed.Authority().Thumbprint);
        Assert.Equal(renewed.Serving().Thumbprint, serving.Current!.Thumbprint);

        // Renewed again at days 130 and 200 (each time under the same CA).
        time.Advance(TimeSpan.FromDays(69));
        var third = await rotator.RotateAsync(force: false, token);
        time.Advance(TimeSpan.FromDays(70));
        var fourth = await rotator.RotateAsync(force: false, token);
        Assert.Equal(3, new[] { renewed, third, fourth }.Select(b => b.Serving().Thumbprint).Distinct().Count());
        Assert.Single(fourth.Authorities());

        // Day 245: the one-year CA has less than a third left. First step: the new CA joins the bundle (first),
        // the old one stays, and the current serving certificate (signed by the old CA) is still served.
        time.Advance(TimeSpan.FromDays(45));
        var announced = await rotator.RotateAsync(force: false, token);
        var authorities = announced.Authorities();
        Assert.Equal(2, authorities.Count);
        Assert.NotEqual(first.Authority().Thumbprint, authorities[0].Thumbprint);
        Assert.Equal(first.Authority().Thumbprint, authorities[1].Thumbprint);
        Assert.Equal(fourth.Serving().Thumbprint, announced.Serving().Thumbprint);
        Assert.Equal(announced.CaBundlePem, await PublishedBundleAsync(harness.Client, settings));

        // Day 262: the serving certificate is due; the new CA signs it; both CAs are still trusted.
        time.Advance(TimeSpan.FromDays(17));
        var rolled = await rotator.RotateAsync(force: false, token);
        Assert.Equal(authorities[0].Thumbprint, rolled.Authority().Thumbprint);
        Assert.True(SignedBy(rolled.Serving(), authorities[0], time.GetUtcNow()));
        Assert.False(SignedBy(rolled.Serving(), authorities[1], time.GetUtcNow()));
        Assert.True(SignedBy(announced.Serving(), authorities[1], time.GetUtcNow()));
        Assert.Equal(2, rolled.Authorities().Count);
        Assert.NotEqual(fourth.Serving().Thumbprint, rolled.Serving().Thumbprint);
        Assert.Equal(rolled.Serving().Thumbprint, serving.Current!.Thumbprint);
        Assert.Equal(rolled.CaBundlePem, await PublishedBundleAsync(harness.Client, settings));

        // Another replica (a second rotator on the same Secret) serves what the first wrote, and writes nothing.
        var otherServing = new ServingCertificate();
        var other = new SelfSignedCertificateRotator(
            harness.Client, settings, new OperatorSettings { Namespace = "etl-system" }, otherServing,
            new CaBundlePublisher(harness.Client, settings, NullLogger<CaBundlePublisher>.Instance), time, NullLogger<SelfSignedCertificateRotator>.Instance);
        await other.RotateAsync(force: false, token);
        Assert.Equal(rolled.Serving().Thumbprint, otherServing.Current!.Thumbprint);
    }

    [Fact]
    public async Task A_secret_holding_garbage_is_replaced_with_a_working_certificate()
    {
        await using var harness = await OperatorHarness.StartAsync(startOperator: false);
        var token = TestContext.Current.CancellationToken;
        var settings = new WebhookSettings();
        await harness.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = settings.SecretName, NamespaceProperty = "etl-system" },
            Data = new Dictionary<string, byte[]>
            {
                ["ca.crt"] = Encoding.UTF8.GetBytes("not a certificate"),
                ["ca.key"] = Encoding.UTF8.GetBytes("not a key"),
                ["tls.crt"] = Encoding.UTF8.GetBytes("garbage"),
                ["tls.key"] = Encoding.UTF8.GetBytes("garbage"),
            },
        }, "etl-system", cancellationToken: token);
        var serving = new ServingCertificate();
        var rotator = new SelfSignedCertificateRotator(
            harness.Client, settings, new OperatorSettings { Namespace = "etl-system" }, serving,
            new CaBundlePublisher(harness.Client, settings, NullLogger<CaBundlePublisher>.Instance), TimeProvider.System, NullLogger<SelfSignedCertificateRotator>.Instance);

        var bundle = await rotator.RotateAsync(force: false, token);
        Assert.True(serving.IsLoaded);
        var stored = await harness.Client.CoreV1.ReadNamespacedSecretAsync(settings.SecretName, "etl-system", cancellationToken: token);
        Assert.Equal(bundle.ServingCertificatePem, Encoding.UTF8.GetString(stored.Data["tls.crt"]));
    }

    private static bool SignedBy(X509Certificate2 certificate, X509Certificate2 authority, DateTimeOffset at)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        return chain.Build(certificate);
    }

    private static IReadOnlyList<string> Names(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateDnsNames().Concat(e.EnumerateIPAddresses().Select(a => a.ToString()))).ToList();

    private static async Task<string> PublishedBundleAsync(IKubernetes client, WebhookSettings settings)
    {
        var mutating = await client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(settings.MutatingConfigurationName);
        var validating = await client.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync(settings.ValidatingConfigurationName);
        var bundles = mutating.Webhooks.Concat<object>(validating.Webhooks)
            .Select(w => w is V1MutatingWebhook m ? m.ClientConfig.CaBundle : ((V1ValidatingWebhook)w).ClientConfig.CaBundle)
            .Select(b => Encoding.UTF8.GetString(b)).Distinct().ToList();
        return Assert.Single(bundles);
    }
}
