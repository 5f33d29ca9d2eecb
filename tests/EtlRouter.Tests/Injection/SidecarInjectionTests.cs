using System.Text;
using System.Text.Json.Nodes;
using EtlRouter.SidecarInjector;
using EtlRouter.SidecarInjector.Admission;
using EtlRouter.Tests.Support;
using k8s.Models;
using Xunit;
using static EtlRouter.Tests.Injection.AdmissionReviews;

namespace EtlRouter.Tests.Injection;

/// <summary>AdmissionReview in, patch out: each patch is applied to the pod and the resulting pod is asserted.</summary>
public sealed class SidecarInjectionTests
{
    private static readonly Dictionary<string, string> Enabled = new() { [InjectionAnnotations.NamespaceInjection] = "enabled" };
    private readonly SidecarInjectionWebhook webhook = new(new InjectorSettings { ClusterEndpoint = "etl-router.etl-system.svc:50051" });

    /// <summary>Reviews as the endpoint would; <c>version</c> is the cluster's ("unknown" when it could not be read).</summary>
    private (JsonObject Review, InjectionDecision Decision) Inject(JsonObject review, IReadOnlyDictionary<string, string>? labels = null, string version = "1.31")
    {
        var (response, decision) = webhook.Review(Read(review), labels ?? new Dictionary<string, string>(), version == "unknown" ? null : Version.Parse(version));
        var answer = response.ToReview();
        Assert.Equal(review["request"]!["uid"]!.ToString(), answer["response"]!["uid"]!.ToString());
        return (answer, decision);
    }

    [Fact]
    public void An_annotated_pod_gets_a_native_sidecar_with_downward_api_env_probes_and_a_restricted_security_context()
    {
        var pod = Pod(annotations: new() { [InjectionAnnotations.Inject] = "true" });
        var (answer, decision) = Inject(Review("CREATE", pod));

        Assert.Equal(InjectionOutcome.Inject, decision.Outcome);
        Assert.True(answer["response"]!["allowed"]!.GetValue<bool>());
        var result = Patched(pod, answer);
        var sidecar = Assert.Single(result.Spec.InitContainers);
        Assert.Equal("etl-sidecar", sidecar.Name);
        Assert.Equal("Always", sidecar.RestartPolicy);
        Assert.Equal("app", Assert.Single(result.Spec.Containers).Name);
        Assert.Equal("metadata.name", sidecar.Env.Single(e => e.Name == "SIDECAR_ID").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("status.podIP", sidecar.Env.Single(e => e.Name == "POD_IP").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("etl-router.etl-system.svc:50051", sidecar.Env.Single(e => e.Name == "CLUSTER_ENDPOINT").Value);
        Assert.Equal("9091", sidecar.Env.Single(e => e.Name == "GRPC_PORT").Value);
        Assert.Equal("50051-50060", sidecar.Env.Single(e => e.Name == "DISCOVERY_PORTS").Value);
        // A Native AOT executable: no JIT settings to give it.
        Assert.DoesNotContain(sidecar.Env, e => e.Name.StartsWith("DOTNET_", StringComparison.Ordinal));
        Assert.Equal("/readyz", sidecar.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/healthz", sidecar.LivenessProbe.HttpGet.Path);
        Assert.True(sidecar.SecurityContext.RunAsNonRoot);
        Assert.False(sidecar.SecurityContext.AllowPrivilegeEscalation);
        Assert.True(sidecar.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Equal(["ALL"], sidecar.SecurityContext.Capabilities.Drop);
        Assert.Equal("RuntimeDefault", sidecar.SecurityContext.SeccompProfile.Type);
        Assert.Equal("50m", sidecar.Resources.Requests["cpu"].ToString());
        Assert.Equal("128Mi", sidecar.Resources.Limits["memory"].ToString());
        Assert.Equal("0.1.0", result.Metadata.Annotations[InjectionAnnotations.InjectedVersion]);
        Assert.Equal("true", result.Metadata.Annotations[InjectionAnnotations.Inject]);
    }

    [Fact]
    public void The_sidecar_gets_its_identity_proof_a_projected_token_the_ca_bundle_and_the_label_policies_select()
    {
        var settings = new InjectorSettings { CertificateEndpoint = "https://etl-operator-certificates.etl-system.svc:9444" };
        var pod = Pod(annotations: new() { [InjectionAnnotations.Inject] = "true" });
        var withoutCa = Patched(pod, new SidecarInjectionWebhook(settings).Review(Read(Review("CREATE", pod)), new Dictionary<string, string>(), Version.Parse("1.31")).Response.ToReview());
        Assert.DoesNotContain(withoutCa.Spec.InitContainers[0].Env, e => e.Name == "TLS_CA_PEM");

        settings.UseCaBundle(() => "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");
        var result = Patched(pod, new SidecarInjectionWebhook(settings).Review(Read(Review("CREATE", pod)), new Dictionary<string, string>(), Version.Parse("1.31")).Response.ToReview());
        var sidecar = result.Spec.InitContainers[0];
        Assert.Equal("https://etl-operator-certificates.etl-system.svc:9444", sidecar.Env.Single(e => e.Name == "CERTIFICATE_ENDPOINT").Value);
        Assert.Equal("/var/run/secrets/etl-router/token", sidecar.Env.Single(e => e.Name == "SIDECAR_TOKEN_FILE").Value);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", sidecar.Env.Single(e => e.Name == "TLS_CA_PEM").Value, StringComparison.Ordinal);
        var mount = Assert.Single(sidecar.VolumeMounts);
        Assert.True(mount.ReadOnlyProperty);
        var token = Assert.Single(result.Spec.Volumes, v => v.Name == mount.Name).Projected.Sources.Single().ServiceAccountToken;
        Assert.Equal("etl-router", token.Audience);
        Assert.Equal(3600, token.ExpirationSeconds);
        // A projected token needs the pod's account named; the app's containers see nothing new.
        Assert.Equal("default", result.Spec.ServiceAccountName);
        Assert.Null(result.Spec.Containers[0].VolumeMounts);
        Assert.Equal("injected", result.Metadata.Labels[InjectionAnnotations.SidecarLabel]);
    }

    [Fact]
    public void Before_1_29_or_when_asked_the_sidecar_is_a_regular_container_after_the_apps()
    {
        var pod = Pod(annotations: new() { [InjectionAnnotations.Inject] = "true" });
        var old = Patched(pod, Inject(Review("CREATE", pod), version: "1.28").Review);
        Assert.Equal(["app", "etl-sidecar"], old.Spec.Containers.Select(c => c.Name));
        Assert.Null(old.Spec.Containers[1].RestartPolicy);
        Assert.Null(old.Spec.InitContainers);

        var unknown = Patched(pod, Inject(Review("CREATE", pod), version: "unknown").Review);
        Assert.Equal(["app", "etl-sidecar"], unknown.Spec.Containers.Select(c => c.Name));

        var asked = Pod(annotations: new() { [InjectionAnnotations.Inject] = "true", [InjectionAnnotations.SidecarMode] = "container" });
        Assert.Equal(["app", "etl-sidecar"], Patched(asked, Inject(Review("CREATE", asked)).Review).Spec.Containers.Select(c => c.Name));
    }

    [Fact]
    public void A_pod_with_init_containers_gets_the_native_sidecar_after_them()
    {
        var pod = Pod(annotations: new() { [InjectionAnnotations.Inject] = "true" });
        pod["spec"]!["initContainers"] = new JsonArray(new JsonObject { ["name"] = "migrate", ["image"] = "shop/migrate:1" });
        var result = Patched(pod, Inject(Review("CREATE", pod)).Review);
        Assert.Equal(["migrate", "etl-sidecar"], result.Spec.InitContainers.Select(c => c.Name));
    }

    [Fact]
    public void A_pod_in_a_labelled_namespace_is_injected_and_an_opted_out_one_is_not()
    {
        var plain = Pod();
        Assert.Equal(["etl-sidecar"], Patched(plain, Inject(Review("CREATE", plain), Enabled).Review).Spec.InitContainers.Select(c => c.Name));

        var optedOut = Pod(annotations: new() { [InjectionAnnotations.Inject] = "false" });
        var (answer, decision) = Inject(Review("CREATE", optedOut), Enabled);
        Assert.Equal(InjectionOutcome.Skip, decision.Outcome);
        Assert.Null(answer["response"]!["patch"]);
        Assert.True(answer["response"]!["allowed"]!.GetValue<bool>());

        var (unlabelled, why) = Inject(Review("CREATE", Pod()));
        Assert.Null(unlabelled["response"]!["patch"]);
        Assert.Contains("neither", why.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_already_injected_pod_is_returned_unchanged_so_reinvocation_is_safe()
    {
        var pod = Pod(annotations: new() { [InjectionAnnotations.Inject] = "true" });
        var once = Patched(pod, Inject(Review("CREATE", pod)).Review);
        var again = (JsonObject)JsonNode.Parse(k8s.KubernetesJson.Serialize(once))!;
        var (answer, decision) = Inject(Review("CREATE", again));
        Assert.Equal(InjectionOutcome.Skip, decision.Outcome);
        Assert.Null(answer["response"]!["patch"]);
        Assert.Single(Patched(again, answer).Spec.InitContainers);
    }

    [Theory]
    [InlineData("kube-system")]
    [InlineData("etl-system")]
    public void Pods_in_kube_system_and_the_operators_namespace_are_never_injected(string ns)
    {
        var pod = Pod(annotations: new() { [InjectionAnnotations.Inject] = "true" }, ns: ns);
        var (answer, decision) = Inject(Review("CREATE", pod, ns), Enabled);
        Assert.Equal(InjectionOutcome.Skip, decision.Outcome);
        Assert.Null(answer["response"]!["patch"]);
    }

    [Fact]
    public void Annotations_override_ports_discovery_image_endpoint_and_resources()
    {
        var pod = Pod(annotations: new()
        {
            [InjectionAnnotations.Inject] = "true",
            [InjectionAnnotations.GrpcPort] = "7091",
            [InjectionAnnotations.MetricsPort] = "7092",
            [InjectionAnnotations.DiscoveryPorts] = "50051,6000-6002",
            [InjectionAnnotations.SidecarImage] = "registry.local/etl-sidecar:dev",
            [InjectionAnnotations.ClusterEndpoint] = "router.data.svc:50051",
            [InjectionAnnotations.CpuRequest] = "200m",
            [InjectionAnnotations.MemoryRequest] = "128Mi",
            [InjectionAnnotations.CpuLimit] = "1",
            [InjectionAnnotations.MemoryLimit] = "512Mi",
        });
        var sidecar = Patched(pod, Inject(Review("CREATE", pod)).Review).Spec.InitContainers.Single();
        Assert.Equal("registry.local/etl-sidecar:dev", sidecar.Image);
        Assert.Equal([7091, 7092], sidecar.Ports.Select(p => p.ContainerPort));
        Assert.Equal("7091", sidecar.Env.Single(e => e.Name == "GRPC_PORT").Value);
        Assert.Equal("7092", sidecar.Env.Single(e => e.Name == "METRICS_PORT").Value);
        Assert.Equal("50051,6000-6002", sidecar.Env.Single(e => e.Name == "DISCOVERY_PORTS").Value);
        Assert.Equal("router.data.svc:50051", sidecar.Env.Single(e => e.Name == "CLUSTER_ENDPOINT").Value);
        Assert.Equal("7092", sidecar.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal("200m", sidecar.Resources.Requests["cpu"].ToString());
        Assert.Equal("128Mi", sidecar.Resources.Requests["memory"].ToString());
        Assert.Equal("1", sidecar.Resources.Limits["cpu"].ToString());
        Assert.Equal("512Mi", sidecar.Resources.Limits["memory"].ToString());
    }

    [Theory]
    [InlineData("etl.router/inject", "yes", "annotation etl.router/inject: 'yes' is not valid; write \"true\" or \"false\"")]
    [InlineData("etl.router/grpc-port", "http", "annotation etl.router/grpc-port: 'http' is not a port")]
    [InlineData("etl.router/grpc-port", "50051", "annotation etl.router/grpc-port: port 50051 is already used by container 'app'")]
    [InlineData("etl.router/metrics-port", "9091", "both are 9091")]
    [InlineData("etl.router/discovery-ports", "60-50", "annotation etl.router/discovery-ports: '60-50' is not a port or a range")]
    [InlineData("etl.router/sidecar-cpu", "lots", "annotation etl.router/sidecar-cpu: 'lots' is not a positive Kubernetes quantity")]
    [InlineData("etl.router/sidecar-memory", "1Gi", "the request 1Gi is above the limit 128Mi")]
    [InlineData("etl.router/sidecar-image", "has space:1", "annotation etl.router/sidecar-image")]
    [InlineData("etl.router/sidecar-image", "Registry.io/UPPER/case:1", "annotation etl.router/sidecar-image: 'Registry.io/UPPER/case:1' is not an image reference")]
    [InlineData("etl.router/sidecar-image", "ghcr.io/etl-router/etl-sidecar:", "is not an image reference")]
    [InlineData("etl.router/sidecar-image", "ghcr.io/etl-router/etl-sidecar@sha256:xyz", "is not an image reference")]
    [InlineData("etl.router/sidecar-image", "ghcr.io//etl-sidecar:1", "is not an image reference")]
    [InlineData("etl.router/cluster-endpoint", "router", "annotation etl.router/cluster-endpoint: 'router' is not host:port")]
    [InlineData("etl.router/sidecar-mode", "sidecar", "annotation etl.router/sidecar-mode: 'sidecar' is not valid")]
    public void An_invalid_annotation_refuses_the_pod_with_a_message_naming_it(string annotation, string value, string message)
    {
        var annotations = new Dictionary<string, string> { [InjectionAnnotations.Inject] = "true", [annotation] = value };
        var (answer, decision) = Inject(Review("CREATE", Pod(annotations: annotations)));
        Assert.Equal(InjectionOutcome.Refuse, decision.Outcome);
        var response = answer["response"]!;
        Assert.False(response["allowed"]!.GetValue<bool>());
        Assert.Null(response["patch"]);
        Assert.Contains(message, response["status"]!["message"]!.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ghcr.io/etl-router/etl-sidecar:0.1.0")]
    [InlineData("etl-sidecar")]
    [InlineData("localhost:5000/team/etl-sidecar:dev_1.2")]
    [InlineData("registry.local/etl-sidecar@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("docker.io/library/etl-sidecar:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void A_well_formed_image_reference_is_injected(string image)
    {
        var annotations = new Dictionary<string, string> { [InjectionAnnotations.Inject] = "true", [InjectionAnnotations.SidecarImage] = image };
        var (_, decision) = Inject(Review("CREATE", Pod(annotations: annotations)));
        Assert.Equal(InjectionOutcome.Inject, decision.Outcome);
    }

    [Fact]
    public void An_oversize_annotation_is_refused_without_echoing_it()
    {
        var huge = "ghcr.io/" + new string('a', 70_000) + ":1";
        var annotations = new Dictionary<string, string> { [InjectionAnnotations.Inject] = "true", [InjectionAnnotations.SidecarImage] = huge };
        var (answer, decision) = Inject(Review("CREATE", Pod(annotations: annotations)));
        Assert.Equal(InjectionOutcome.Refuse, decision.Outcome);
        var message = answer["response"]!["status"]!["message"]!.ToString();
        Assert.Contains("annotation etl.router/sidecar-image: 70010 characters, more than any setting needs (1024)", message, StringComparison.Ordinal);
        Assert.True(message.Length < 500, $"the refusal is {message.Length} characters long");

        // Just under the bound, the image grammar still refuses a name over 255 characters, and shows only its start.
        var longName = "ghcr.io/" + new string('a', 300) + ":1";
        var (refused, _) = Inject(Review("CREATE", Pod(annotations: new Dictionary<string, string> { [InjectionAnnotations.Inject] = "true", [InjectionAnnotations.SidecarImage] = longName })));
        var text = refused["response"]!["status"]!["message"]!.ToString();
        Assert.Contains("is not an image reference", text, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('a', 100), text, StringComparison.Ordinal);
    }

    [Fact]
    public void Native_mode_on_a_cluster_older_than_1_29_is_refused_by_name()
    {
        var pod = Pod(annotations: new() { [InjectionAnnotations.Inject] = "true", [InjectionAnnotations.SidecarMode] = "native" });
        var (answer, _) = Inject(Review("CREATE", pod), version: "1.27");
        Assert.Contains("native sidecars need Kubernetes 1.29", answer["response"]!["status"]!["message"]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_pod_object_a_delete_and_a_pod_update_are_allowed_unchanged()
    {
        var configMap = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = "settings" } };
        var (other, _) = Inject(Review("CREATE", configMap, kind: "ConfigMap", resource: "configmaps"), Enabled);
        var pod = Pod(annotations: new() { [InjectionAnnotations.Inject] = "true" });
        var (deleted, _) = Inject(Review("DELETE", null, old: pod));
        var (updated, _) = Inject(Review("UPDATE", pod, old: pod));
        foreach (var answer in new[] { other, deleted, updated })
        {
            Assert.True(answer["response"]!["allowed"]!.GetValue<bool>());
            Assert.Null(answer["response"]!["patch"]);
        }
    }

    [Theory]
    [InlineData("", "the body is empty")]
    [InlineData("{not json", "the body is not JSON")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{}}", "only admission.k8s.io/v1 AdmissionReview")]
    [InlineData("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", "request: missing")]
    [InlineData("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"operation\":\"CREATE\"}}", "request.uid: missing")]
    [InlineData("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"1\",\"operation\":\"EXPLODE\"}}", "request.operation: 'EXPLODE'")]
    [InlineData("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"1\",\"operation\":\"CREATE\",\"object\":42}}", "request.object: not an object")]
    public void A_malformed_review_is_refused_with_what_is_wrong(string body, string message)
    {
        var error = Assert.Throws<InvalidAdmissionReviewException>(() => AdmissionReviewReader.Read(Encoding.UTF8.GetBytes(body)));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pod_object_that_is_not_a_pod_is_refused_not_crashed_on()
    {
        var review = Review("CREATE", new JsonObject { ["spec"] = new JsonObject { ["containers"] = "not a list" } });
        var (answer, decision) = Inject(review, Enabled);
        Assert.Equal(InjectionOutcome.Refuse, decision.Outcome);
        Assert.Contains("request.object", answer["response"]!["status"]!["message"]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_injection_docs_document_every_annotation_in_one_table()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "injection.md"));
        foreach (var (name, _, _) in InjectionAnnotations.Documented)
            Assert.Contains($"| `{name}` |", readme, StringComparison.Ordinal);
    }
}
