using System.Security.Cryptography.X509Certificates;
using System.Text;
using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Security;
using EtlRouter.OperatorRuntime;
using EtlRouter.Security.Certificates;
using EtlRouter.Security.Identity;
using EtlRouter.Tests.Support;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EtlRouter.Tests.Security;

/// <summary>
/// The one certificate lifecycle (<see cref="SecretAuthority"/> and <see cref="CertificateRenewal"/>) as the install CA
/// and the router identities go through it, over a year of (fake) time against the test API server. The webhook's CA
/// and serving certificate go through the same type (<see cref="Injection.CertificateRotationTests"/>).
/// </summary>
public sealed class SecretAuthorityTests
{
    private const string Ns = "etl-system";

    [Fact]
    public async Task The_install_ca_is_made_once_renewed_at_two_thirds_of_its_life_with_the_old_one_kept_and_other_keys_left_alone()
    {
        await using var harness = await OperatorHarness.StartAsync(startOperator: false);
        var token = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new SecretAuthority.Options(Ns, "etl-router-ca", "etl-router-install-ca", TimeSpan.FromDays(365), "etl-operator");
        var authority = new SecretAuthority(harness.Client, options, time, NullLogger.Instance);

        var first = await authority.EnsureAsync(token);
        Assert.NotNull(first);
        Assert.True(first.Authority.HasPrivateKey);
        Assert.Single(Bundle(first.BundlePem));
        await authority.WriteBesideAsync(first, new Dictionary<string, byte[]> { ["note"] = "kept"u8.ToArray() }, token);

        // Another replica reads the same CA and writes nothing.
        var other = await new SecretAuthority(harness.Client, options, time, NullLogger.Instance).EnsureAsync(token);
        Assert.Equal(first.Authority.Thumbprint, other!.Authority.Thumbprint);
        var version = (await Read(harness.Client, token)).Metadata.ResourceVersion;
        Assert.Equal(first.Authority.Thumbprint, (await authority.EnsureAsync(token))!.Authority.Thumbprint);
        Assert.Equal(version, (await Read(harness.Client, token)).Metadata.ResourceVersion);

        // Day 240: more than a third left, nothing changes. Day 250: less than a third, a new CA first, the old one after it.
        time.Advance(TimeSpan.FromDays(240));
        Assert.Equal(first.Authority.Thumbprint, (await authority.EnsureAsync(token))!.Authority.Thumbprint);
        time.Advance(TimeSpan.FromDays(10));
        var renewed = await authority.EnsureAsync(token);
        Assert.NotEqual(first.Authority.Thumbprint, renewed!.Authority.Thumbprint);
        Assert.Equal([renewed.Authority.Thumbprint, first.Authority.Thumbprint], Bundle(renewed.BundlePem).Select(c => c.Thumbprint));
        Assert.Equal("kept", Encoding.UTF8.GetString((await Read(harness.Client, token)).Data["note"]));

        // After the old CA expires it leaves the bundle at the next renewal.
        time.Advance(TimeSpan.FromDays(250));
        var again = await authority.EnsureAsync(token);
        Assert.Equal([again!.Authority.Thumbprint, renewed.Authority.Thumbprint], Bundle(again.BundlePem).Select(c => c.Thumbprint));
    }

    [Fact]
    public async Task A_ca_kept_by_cert_manager_is_read_and_never_written()
    {
        await using var harness = await OperatorHarness.StartAsync(startOperator: false);
        var token = TestContext.Current.CancellationToken;
        var ca = CertificateIssuer.CreateAuthority("cert-manager-ca", DateTimeOffset.UtcNow, TimeSpan.FromDays(30));
        await harness.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "etl-router-ca", NamespaceProperty = Ns },
            Data = new Dictionary<string, byte[]>
            {
                ["tls.crt"] = Encoding.UTF8.GetBytes(ca.ExportCertificatePem()),
                ["tls.key"] = Encoding.UTF8.GetBytes(ca.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem()),
            },
        }, Ns, cancellationToken: token);
        var version = (await Read(harness.Client, token)).Metadata.ResourceVersion;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(25));
        var options = new SecretAuthority.Options(Ns, "etl-router-ca", "etl-router-install-ca", TimeSpan.FromDays(365), "etl-operator", Manage: false, AcceptCertManager: true);

        // Due by our rule, but cert-manager renews it: read as it is.
        var kept = await new SecretAuthority(harness.Client, options, time, NullLogger.Instance).EnsureAsync(token);
        Assert.Equal(ca.Thumbprint, kept!.Authority.Thumbprint);
        Assert.Equal(version, (await Read(harness.Client, token)).Metadata.ResourceVersion);
    }

    [Fact]
    public async Task A_router_identity_is_reissued_when_it_lacks_a_name_or_is_due_and_kept_otherwise()
    {
        await using var harness = await OperatorHarness.StartAsync(startOperator: false);
        var token = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var install = new InstallAuthority(harness.Client, new InstallAuthoritySettings(), new OperatorSettings { Namespace = Ns }, time, NullLogger<InstallAuthority>.Instance);
        await install.RefreshAsync(token);
        var secrets = new RouterIdentitySecrets(harness.Client, time, install);
        var cluster = new EtlRouterCluster { Metadata = new V1ObjectMeta { Name = "etl-router", NamespaceProperty = "default", Uid = Guid.NewGuid().ToString() } };

        await secrets.EnsureAsync(cluster, token);
        var issued = await IdentityAsync(harness.Client, token);
        Assert.True(CertificateRenewal.Covers(issued, ["etl-router.default.svc", "localhost", "127.0.0.1"]));
        await secrets.EnsureAsync(cluster, token);
        Assert.Equal(issued.Thumbprint, (await IdentityAsync(harness.Client, token)).Thumbprint);

        // An identity from before the router answered to localhost (an older operator's) is replaced at once.
        var old = install.IssueIdentity(PeerIdentity.Router("etl-router"), ["etl-router", "etl-router.default.svc"]);
        await harness.Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(new
        {
            data = new Dictionary<string, byte[]> { ["tls.crt"] = Encoding.UTF8.GetBytes(old.ExportCertificatePem() + "\n") },
        }, V1Patch.PatchType.MergePatch), "etl-router-tls", "default", cancellationToken: token);
        await secrets.EnsureAsync(cluster, token);
        var replaced = await IdentityAsync(harness.Client, token);
        Assert.NotEqual(old.Thumbprint, replaced.Thumbprint);
        Assert.True(CertificateRenewal.Covers(replaced, ["localhost", "127.0.0.1"]));

        // Five days into a seven-day identity: due, reissued.
        time.Advance(TimeSpan.FromDays(5));
        await install.RefreshAsync(token);
        await secrets.EnsureAsync(cluster, token);
        Assert.NotEqual(replaced.Thumbprint, (await IdentityAsync(harness.Client, token)).Thumbprint);
    }

    [Fact]
    public void The_renewal_rule_is_a_third_of_the_life_capped_at_the_configured_validity_and_half_for_sidecars()
    {
        var now = DateTimeOffset.UtcNow;
        var ca = CertificateIssuer.CreateAuthority("rule", now, TimeSpan.FromDays(90));
        Assert.False(CertificateRenewal.IsDue(ca, now.AddDays(59)));
        Assert.True(CertificateRenewal.IsDue(ca, now.AddDays(61)));
        // Configured down to 30 days: renewed once less than 10 days are left of what it has.
        Assert.False(CertificateRenewal.IsDue(ca, now.AddDays(79), TimeSpan.FromDays(30)));
        Assert.True(CertificateRenewal.IsDue(ca, now.AddDays(81), TimeSpan.FromDays(30)));
        var received = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Assert.Equal(received.AddMinutes(30), CertificateRenewal.SidecarRenewsAt(received, received.AddHours(1)));
    }

    private static X509Certificate2Collection Bundle(string pem)
    {
        var all = new X509Certificate2Collection();
        all.ImportFromPem(pem);
        return all;
    }

    private static Task<V1Secret> Read(IKubernetes client, CancellationToken token) =>
        client.CoreV1.ReadNamespacedSecretAsync("etl-router-ca", Ns, cancellationToken: token);

    private static async Task<X509Certificate2> IdentityAsync(IKubernetes client, CancellationToken token)
    {
        var secret = await client.CoreV1.ReadNamespacedSecretAsync("etl-router-tls", "default", cancellationToken: token);
        return X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(secret.Data["tls.crt"]));
    }
}
