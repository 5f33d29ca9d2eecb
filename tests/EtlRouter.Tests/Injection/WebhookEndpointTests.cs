using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Webhooks;
using EtlRouter.Operator.Webhooks.Certificates;
using EtlRouter.SidecarInjector;
using EtlRouter.Testing.KubeApiServer;
using EtlRouter.Tests.Support;
using k8s;
using k8s.Autorest;
using k8s.Models;
using EtlRouter.Security.Certificates;
using Xunit;

namespace EtlRouter.Tests.Injection;

/// <summary>
/// The webhooks over HTTPS, called the way the API server calls them: the test API server holds webhook
/// configurations that name the endpoint by URL and trust only the caBundle the operator publishes.
/// </summary>
public sealed class WebhookEndpointTests : IAsyncLifetime
{
    private OperatorHarness harness = null!;

    public async ValueTask InitializeAsync() => harness = await OperatorHarness.StartAsync(startOperator: false);

    public async ValueTask DisposeAsync() => await harness.DisposeAsync();

    /// <summary>The webhook host, its configurations registered by URL, once the operator has published its CA bundle.</summary>
    private async Task<(WebhookHost Webhooks, string CaBundle)> StartWebhooksAsync()
    {
        var webhooks = await WebhookHost.StartAsync(harness.Api);
        await RegisterAsync(harness.Client, webhooks);
        return (webhooks, await WaitForCaBundleAsync(harness.Client, webhooks));
    }

    [Fact]
    public async Task Creating_an_annotated_pod_through_the_api_server_yields_a_pod_with_the_sidecar_also_after_a_certificate_rotation()
    {
        var (webhooks, caBundle) = await StartWebhooksAsync();
        await using var stopWebhooks = webhooks;

        var created = await harness.Client.CoreV1.CreateNamespacedPodAsync(PodWith(new() { [InjectionAnnotations.Inject] = "true" }, "orders"), "shop", cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(created.Spec.InitContainers is not null, string.Join("\n", harness.Api.Admission.Calls));
        Assert.Equal(["etl-sidecar"], created.Spec.InitContainers.Select(c => c.Name));
        Assert.Equal("Always", created.Spec.InitContainers[0].RestartPolicy);
        Assert.True(created.Metadata.Annotations.ContainsKey(InjectionAnnotations.InjectedVersion));

        // Rotate: a new serving certificate is written to the Secret and served from the next handshake on.
        var before = await ServedCertificateAsync(webhooks, caBundle);
        await webhooks.Service<SelfSignedCertificateRotator>().RotateAsync(force: true, TestContext.Current.CancellationToken);
        var after = await ServedCertificateAsync(webhooks, caBundle);
        Assert.NotEqual(before.Thumbprint, after.Thumbprint);
        var secret = await harness.Client.CoreV1.ReadNamespacedSecretAsync(webhooks.Settings.SecretName, "etl-system", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(after.Thumbprint, X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(secret.Data["tls.crt"])).Thumbprint);

        var again = await harness.Client.CoreV1.CreateNamespacedPodAsync(PodWith(new() { [InjectionAnnotations.Inject] = "true" }, "payments"), "shop", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(["etl-sidecar"], again.Spec.InitContainers.Select(c => c.Name));
        Assert.Contains(harness.Api.Admission.Calls, c => c.StartsWith(WebhookConfigurations.PodInjectionWebhook + ": allowed with a patch", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_labelled_namespace_injects_its_pods_an_opted_out_pod_stays_as_it_is_and_an_invalid_annotation_is_refused()
    {
        var (webhooks, _) = await StartWebhooksAsync();
        await using var stopWebhooks = webhooks;
        var token = TestContext.Current.CancellationToken;
        await harness.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "data", Labels = new Dictionary<string, string> { [InjectionAnnotations.NamespaceInjection] = "enabled" } } }, cancellationToken: token);

        var plain = await harness.Client.CoreV1.CreateNamespacedPodAsync(PodWith(null, "loader", "data"), "data", cancellationToken: token);
        Assert.Equal(["etl-sidecar"], plain.Spec.InitContainers.Select(c => c.Name));
        Assert.Contains(harness.Api.Admission.Calls, c => c.StartsWith(WebhookConfigurations.NamespaceInjectionWebhook + ": allowed with a patch", StringComparison.Ordinal));

        var optedOut = await harness.Client.CoreV1.CreateNamespacedPodAsync(PodWith(new() { [InjectionAnnotations.Inject] = "false" }, "debug", "data"), "data", cancellationToken: token);
        Assert.Null(optedOut.Spec.InitContainers);
        Assert.Equal(["app"], optedOut.Spec.Containers.Select(c => c.Name));

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => harness.Client.CoreV1.CreateNamespacedPodAsync(
            PodWith(new() { [InjectionAnnotations.GrpcPort] = "99999" }, "broken", "data"), "data", cancellationToken: token));
        Assert.Contains("annotation etl.router/grpc-port: '99999' is not a port", StatusMessage(refused), StringComparison.Ordinal);
        var names = (await harness.Client.CoreV1.ListNamespacedPodAsync("data", cancellationToken: token)).Items.Select(p => p.Metadata.Name).Order();
        Assert.Equal(["debug", "loader"], names);
    }

    [Fact]
    public async Task An_invalid_pipeline_is_refused_at_create_with_the_reconcilers_message_and_a_missing_reference_is_allowed()
    {
        var (webhooks, _) = await StartWebhooksAsync();
        await using var stopWebhooks = webhooks;
        var token = TestContext.Current.CancellationToken;

        var cyclic = Pipeline("loop", new PipelineSpec
        {
            Stages =
            [
                new PipelineStageSpec { Name = "in", Source = "events" },
                new PipelineStageSpec { Name = "a", Transform = "clean", Inputs = ["in", "b"] },
                new PipelineStageSpec { Name = "b", Transform = "enrich", Inputs = ["a"] },
                new PipelineStageSpec { Name = "out", Sink = "warehouse", Inputs = ["b"] },
            ],
        });
        var expected = string.Join("; ", EtlRouter.Entities.Validation.EntityValidator.Validate(cyclic).Select(i => i.ToString()));
        Assert.Contains("cycle", expected, StringComparison.OrdinalIgnoreCase);

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => harness.Entities.CreateAsync(cyclic, token));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Response.StatusCode);
        Assert.Equal($"admission webhook \"{WebhookConfigurations.PipelineValidationWebhook}\" denied the request: EtlPipeline loop is invalid: {expected}", StatusMessage(refused));
        Assert.Null(await harness.Entities.GetAsync<EtlPipeline>("default", "loop", token));

        // GitOps order: the pipeline may arrive before its source and sink.
        var early = Pipeline("early", new PipelineSpec { Source = "not-yet", Sink = "also-not-yet" });
        await harness.Entities.CreateAsync(early, token);
        Assert.NotNull(await harness.Entities.GetAsync<EtlPipeline>("default", "early", token));
    }

    [Fact]
    public async Task The_endpoint_answers_malformed_reviews_with_400_and_refuses_callers_without_the_ca()
    {
        var (webhooks, caBundle) = await StartWebhooksAsync();
        await using var stopWebhooks = webhooks;
        using var client = TrustingOnly(caBundle);

        foreach (var (path, body, message) in new[]
        {
            (AdmissionEndpoints.InjectPath, "", "the body is empty"),
            (AdmissionEndpoints.InjectPath, "{\"kind\":", "the body is not JSON"),
            (AdmissionEndpoints.ValidatePipelinePath, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", "request: missing"),
        })
        {
            using var answer = await client.PostAsync(new Uri(webhooks.Url, path), new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Contains(message, await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        // A well-formed review after the garbage still works.
        var review = AdmissionReviews.Review("CREATE", AdmissionReviews.Pod(annotations: new() { [InjectionAnnotations.Inject] = "true" }));
        using var ok = await client.PostAsync(new Uri(webhooks.Url, AdmissionEndpoints.InjectPath), new StringContent(review.ToJsonString(), Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var response = JsonNode.Parse(await ok.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["response"]!;
        Assert.True(response["allowed"]!.GetValue<bool>());
        Assert.NotNull(response["patch"]);

        // Through a Service the API server's Host header names the Service's port (443), not the one the operator
        // listens on: the endpoint still answers (it once routed on the Host header and refused every real call).
        using var throughService = new HttpRequestMessage(HttpMethod.Post, new Uri(webhooks.Url, AdmissionEndpoints.InjectPath))
        {
            Content = new StringContent(review.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        throughService.Headers.Host = "etl-operator-webhook.etl-system.svc:443";
        using var serviceAnswer = await client.SendAsync(throughService, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, serviceAnswer.StatusCode);

        // A caller that trusts some other CA does not get a session.
        var stranger = CertificateIssuer.CreateAuthority("stranger", DateTimeOffset.UtcNow, TimeSpan.FromDays(1)).ExportCertificatePem();
        using var untrusting = TrustingOnly(stranger);
        await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.PostAsync(new Uri(webhooks.Url, AdmissionEndpoints.InjectPath), new StringContent(review.ToJsonString()), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task With_the_webhook_down_pods_elsewhere_are_still_created_and_only_opted_in_namespaces_wait()
    {
        var token = TestContext.Current.CancellationToken;
        var (webhooks, _) = await StartWebhooksAsync();
        await harness.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "data", Labels = new Dictionary<string, string> { [InjectionAnnotations.NamespaceInjection] = "enabled" } } }, cancellationToken: token);
        await webhooks.DisposeAsync();

        // The cluster-wide entry is Ignore: an ordinary pod (annotated or not) is created without delay.
        var elsewhere = await harness.Client.CoreV1.CreateNamespacedPodAsync(PodWith(new() { [InjectionAnnotations.Inject] = "true" }, "web"), "shop", cancellationToken: token);
        Assert.Equal(["app"], elsewhere.Spec.Containers.Select(c => c.Name));

        // The opted-in namespace's entry is Fail: its pods are refused rather than run outside the data plane.
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => harness.Client.CoreV1.CreateNamespacedPodAsync(PodWith(null, "loader", "data"), "data", cancellationToken: token));
        Assert.StartsWith($"Internal error occurred: failed calling webhook \"{WebhookConfigurations.NamespaceInjectionWebhook}\"", StatusMessage(refused), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cert_manager_files_are_served_and_reloaded_when_they_change()
    {
        var directory = Directory.CreateTempSubdirectory("webhook-certs-");
        try
        {
            var first = WriteCertificateFiles(directory.FullName);
            await using var webhooks = await WebhookHost.StartAsync(harness.Api, s =>
            {
                s.CertificateSource = CertificateSource.Files;
                s.CertificateDirectory = directory.FullName;
            });
            await Eventually.WaitUntil(() => webhooks.Serving.Current?.Thumbprint == first.Serving.Thumbprint, "the mounted certificate to be served");
            Assert.Equal(first.Serving.Thumbprint, (await ServedCertificateAsync(webhooks, first.CaPem)).Thumbprint);

            var second = WriteCertificateFiles(directory.FullName);
            await Eventually.WaitUntil(() => webhooks.Serving.Current?.Thumbprint == second.Serving.Thumbprint, "the renewed files to be served");
            Assert.Equal(second.Serving.Thumbprint, (await ServedCertificateAsync(webhooks, second.CaPem)).Thumbprint);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static (X509Certificate2 Serving, string CaPem) WriteCertificateFiles(string directory)
    {
        var now = DateTimeOffset.UtcNow;
        var ca = CertificateIssuer.CreateAuthority("cert-manager-test-ca", now, TimeSpan.FromDays(30));
        var serving = CertificateIssuer.IssueServing(ca, ["127.0.0.1"], now, TimeSpan.FromDays(10));
        File.WriteAllText(Path.Combine(directory, "tls.key"), serving.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(directory, "tls.crt"), serving.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "ca.crt"), ca.ExportCertificatePem());
        return (serving, ca.ExportCertificatePem());
    }

    private static async Task RegisterAsync(IKubernetes client, WebhookHost webhooks)
    {
        var viaUrl = WebhookConfigurations.ViaUrl(webhooks.Url);
        await client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(WebhookConfigurations.Mutating(webhooks.Settings, viaUrl));
        await client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(WebhookConfigurations.Validating(webhooks.Settings, viaUrl));
    }

    /// <summary>Waits until the operator has put one CA bundle into every webhook of both configurations.</summary>
    private static async Task<string> WaitForCaBundleAsync(IKubernetes client, WebhookHost webhooks) =>
        await Eventually.WaitFor(async () =>
        {
            var mutating = await client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(webhooks.Settings.MutatingConfigurationName);
            var validating = await client.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync(webhooks.Settings.ValidatingConfigurationName);
            var bundles = mutating.Webhooks.Select(w => w.ClientConfig.CaBundle).Concat(validating.Webhooks.Select(w => w.ClientConfig.CaBundle))
                .Select(b => b is null ? null : Encoding.UTF8.GetString(b)).Distinct().ToList();
            return bundles is [{ } only] ? only : null;
        }, "the operator to publish its CA bundle to both webhook configurations");

    /// <summary>The certificate the endpoint presents on a fresh TLS handshake, validated against the bundle.</summary>
    private static async Task<X509Certificate2> ServedCertificateAsync(WebhookHost webhooks, string caBundle)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, webhooks.Settings.Port);
        await using var tls = new SslStream(tcp.GetStream());
        var trusted = new X509Certificate2Collection();
        trusted.ImportFromPem(caBundle);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => CaBundleTrust.Validates(certificate, errors, trusted),
        });
        return new X509Certificate2(tls.RemoteCertificate!);
    }

    private static HttpClient TrustingOnly(string caBundle)
    {
        var trusted = new X509Certificate2Collection();
        trusted.ImportFromPem(caBundle);
        var handler = new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, c, _, e) => CaBundleTrust.Validates(c, e, trusted) } };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>The message of the metav1.Status the API server answered with.</summary>
    private static string StatusMessage(HttpOperationException refused) =>
        JsonNode.Parse(refused.Response.Content)?["message"]?.ToString() ?? refused.Response.Content;

    private static V1Pod PodWith(Dictionary<string, string>? annotations, string name, string ns = "shop") =>
        KubernetesJson.Deserialize<V1Pod>(AdmissionReviews.Pod(name, annotations, ns).ToJsonString());

    private static EtlPipeline Pipeline(string name, PipelineSpec spec) => new()
    {
        ApiVersion = "etl.router/v1",
        Kind = "EtlPipeline",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = spec,
    };
}
