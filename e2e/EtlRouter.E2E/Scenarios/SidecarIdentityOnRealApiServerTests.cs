using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using EtlRouter.E2E.Targets;
using EtlRouter.Security.Certificates;
using EtlRouter.Security.Identity;
using EtlRouter.Tests.Support;
using k8s;
using k8s.Models;
using Xunit;

namespace EtlRouter.E2E.Scenarios;

/// <summary>
/// A sidecar proves its pod with a projected ServiceAccount token and gets a short-lived certificate, as Istio's
/// agents do: the real API server reviews the token (TokenReview, under the operator's generated role) and says
/// which pod it is bound to. Tokens that prove no pod, or are meant for someone else, get nothing.
/// </summary>
[Collection(RealApiServerCollection.Name)]
public sealed class SidecarIdentityOnRealApiServerTests(RealApiServerTarget target)
{
    [Fact]
    public async Task A_sidecar_trades_its_pods_token_for_a_certificate_and_registers_over_mutual_tls()
    {
        target.Require();
        var (ns, pod) = await PodAsync("identity", "app-1");
        using var scratch = new Scratch();
        using var sidecar = await SidecarAsync(scratch, ns, pod, Endpoint);

        // Registered means the router accepted its certificate: from the install CA, naming this pod's namespace.
        await sidecar.StartAsync();
        Assert.Contains($"Issued spiffe://etl-router/ns/{ns}/sidecar/app-1 a certificate", target.Operator.Process.RecentOutput, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(scratch.Tls));
    }

    [Fact]
    public async Task A_sidecar_renews_its_short_lived_certificate_at_half_life_and_stays_registered()
    {
        target.Require();
        var (ns, pod) = await PodAsync("identity-renewal", "app-3");

        // A second operator replica that issues 20-second certificates (every replica serves the certificate port).
        using var issuer = new OperatorProcess("e2e-operator-short-certs", target.OperatorKubeconfig, target.Rig.RouterNode.GrpcAddress, new() { ["Install__SidecarValidity"] = "00:00:20" });
        await issuer.StartAsync();
        using var scratch = new Scratch();
        using var sidecar = await SidecarAsync(scratch, ns, pod, new Uri($"https://127.0.0.1:{issuer.CertificatePort}"));
        await sidecar.StartAsync();

        // Two renewals later (one every ~10 s) it is still registered and its calls to the router never failed.
        var issued = $"Issued spiffe://etl-router/ns/{ns}/sidecar/app-3 a certificate";
        await Eventually.WaitUntil(() => Task.FromResult(issuer.Process.Printed(issued).Count >= 3), "two renewals", TimeSpan.FromSeconds(45), issuer.Process.Describe);
        // At half life, not in a storm: two renewals take about 20 s.
        Assert.InRange(issuer.Process.Printed(issued).Count, 3, 4);
        await sidecar.WaitReadyAsync();
        Assert.True(sidecar.Process.IsRunning);
        Assert.False(sidecar.Process.HasPrinted("Could not get this sidecar's certificate"), sidecar.Process.RecentOutput);
        // No call to the router failed across the renewals. (It may register again: the shared rig's 3 s lease can
        // lapse under the load of the whole suite, which has nothing to do with certificates.)
        Assert.False(sidecar.Process.HasPrinted("did not answer"), sidecar.Process.RecentOutput);
    }

    [Fact]
    public async Task A_token_that_proves_no_pod_or_is_meant_for_someone_else_gets_no_certificate()
    {
        target.Require();
        var (ns, pod) = await PodAsync("identity-refused", "app-2");

        var (garbage, garbageError) = await AskAsync("not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, garbage);
        Assert.Contains("the API server did not accept it", garbageError, StringComparison.Ordinal);

        var (otherAudience, otherAudienceError) = await AskAsync(await TokenAsync(ns, "vault", pod));
        Assert.Equal(HttpStatusCode.Unauthorized, otherAudience);
        Assert.Contains("audience etl-router", otherAudienceError, StringComparison.Ordinal);

        var (unbound, unboundError) = await AskAsync(await TokenAsync(ns, "etl-router", pod: null));
        Assert.Equal(HttpStatusCode.Forbidden, unbound);
        Assert.Contains($"system:serviceaccount:{ns}:app is not a pod's ServiceAccount token", unboundError, StringComparison.Ordinal);

        var (noCsr, noCsrError) = await AskAsync(await TokenAsync(ns, "etl-router", pod), csr: "");
        Assert.Equal(HttpStatusCode.BadRequest, noCsr);
        Assert.Contains("csr: missing", noCsrError, StringComparison.Ordinal);
    }

    private Uri Endpoint => new($"https://127.0.0.1:{target.Operator.CertificatePort}");

    /// <summary>A namespace with ServiceAccount "app" and one pod of it (no kubelet runs here: admitted, never started, which is all a bound token needs).</summary>
    private async Task<(string Namespace, V1Pod Pod)> PodAsync(string purpose, string name)
    {
        var ns = await target.NamespaceAsync(purpose);
        await target.Admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "app" } }, ns);
        var pod = await target.Admin.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec { ServiceAccountName = "app", AutomountServiceAccountToken = false, Containers = [new V1Container { Name = "app", Image = "app:1" }] },
        }, ns);
        return (ns, pod);
    }

    /// <summary>The pod's sidecar as the injector configures it: a projected token, the CA bundle, no certificate of its own.</summary>
    private async Task<SidecarProcess> SidecarAsync(Scratch scratch, string ns, V1Pod pod, Uri certificates)
    {
        var tokenFile = Path.Combine(scratch.Path, "token");
        await File.WriteAllTextAsync(tokenFile, await TokenAsync(ns, "etl-router", pod), TestContext.Current.CancellationToken);
        return new SidecarProcess(pod.Metadata.Name, target.Rig.RouterNode.GrpcAddress, FreePorts.Take(1), new Dictionary<string, string>
        {
            ["POD_NAMESPACE"] = ns,
            ["TLS_DIR"] = scratch.Tls,
            ["SIDECAR_TOKEN_FILE"] = tokenFile,
            ["CERTIFICATE_ENDPOINT"] = certificates.ToString(),
            ["TLS_CA_PEM"] = await File.ReadAllTextAsync(Path.Combine(TestCertificates.AuthorityDirectory, "ca.crt"), TestContext.Current.CancellationToken),
        });
    }

    private async Task<string> TokenAsync(string ns, string audience, V1Pod? pod)
    {
        var request = new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec
            {
                Audiences = [audience],
                ExpirationSeconds = 3600,
                BoundObjectRef = pod is null ? null : new V1BoundObjectReference { ApiVersion = "v1", Kind = "Pod", Name = pod.Metadata.Name, Uid = pod.Metadata.Uid },
            },
        };
        return (await target.Admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(request, "app", ns)).Status.Token;
    }

    private async Task<(HttpStatusCode Status, string Error)> AskAsync(string token, string? csr = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        csr ??= CertificateIssuer.CreateSigningRequestPem(key, PeerIdentity.Sidecar("x", "y"));
        using var http = new HttpClient(TestCertificates.Handler());
        using var response = await http.PostAsJsonAsync(new Uri(Endpoint, "/v1/sidecar-certificates"), new { token, csr }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(TestContext.Current.CancellationToken);
        return (response.StatusCode, body.GetProperty("error").GetString()!);
    }

    /// <summary>A temporary directory for a token file and an empty TLS_DIR, deleted afterwards.</summary>
    private sealed class Scratch : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("etl-identity-").FullName;

        public string Tls => Directory.CreateDirectory(System.IO.Path.Combine(Path, "tls")).FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
