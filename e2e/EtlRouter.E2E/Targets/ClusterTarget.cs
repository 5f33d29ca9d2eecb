using System.Text;
using EtlRouter.Tests.RealApiServer;
using EtlRouter.Tests.Support;
using k8s;
using k8s.Models;
using Xunit;

namespace EtlRouter.E2E.Targets;

/// <summary>
/// A Kubernetes API server the scenarios run against, with ETL Router installed on it as a platform team would:
/// the CRDs, the operator's namespace, ServiceAccount and generated RBAC (`config/crd`, `config/rbac`), etl-operator
/// running as that ServiceAccount, and a router. The operator and the router run as processes on this machine
/// (no images exist yet), talking to the API server through a kubeconfig; where the API server can call this
/// machine (<see cref="ReachesLocalWebhooks"/>), the webhook configurations from `config/webhook` name the
/// operator's HTTPS port by URL. A target that cannot start here says why in <see cref="Unavailable"/>.
/// </summary>
public abstract class ClusterTarget : IAsyncLifetime
{
    public const string OperatorNamespace = "etl-system";
    public const string OperatorAccount = "etl-operator";

    private int namespaces;

    public abstract string Name { get; }

    /// <summary>Why this target cannot run here (the scenarios skip with it), or null.</summary>
    public string? Unavailable { get; private set; }

    public string AdminKubeconfig { get; protected set; } = string.Empty;

    /// <summary>Whether the API server can call https://127.0.0.1 on this machine (a server running here can).</summary>
    public abstract bool ReachesLocalWebhooks { get; }

    /// <summary>kubectl as the cluster's admin.</summary>
    public Kubectl Kubectl => new(AdminKubeconfig);

    public IKubernetes Admin => new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(AdminKubeconfig));

    /// <summary>The router the operator pushes to, and the connectors and sidecars scenarios add to it.</summary>
    public DataPlaneRig Rig { get; private set; } = null!;

    /// <summary>etl-operator, as the ServiceAccount bound to the generated role.</summary>
    public OperatorProcess Operator { get; private set; } = null!;

    /// <summary>The kubeconfig etl-operator runs with: a token of its ServiceAccount.</summary>
    public string OperatorKubeconfig { get; private set; } = string.Empty;

    /// <summary>Starts the cluster; returns null when it runs, or why it cannot run here.</summary>
    protected abstract Task<string?> StartClusterAsync();

    protected abstract ValueTask StopClusterAsync();

    public void Require()
    {
        if (Unavailable is { } reason) Assert.Skip($"{Name}: {reason}");
    }

    public void RequireLocalWebhooks()
    {
        Require();
        if (!ReachesLocalWebhooks)
            Assert.Skip($"{Name}: the API server cannot call a webhook on this machine; install the operator in the cluster to run the webhook scenarios");
    }

    /// <summary>A fresh namespace for one scenario, optionally labelled.</summary>
    public async Task<string> NamespaceAsync(string purpose, IDictionary<string, string>? labels = null)
    {
        var name = $"e2e-{purpose}-{Interlocked.Increment(ref namespaces)}-{Random.Shared.Next(1000, 9999)}";
        await Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name, Labels = labels } });
        return name;
    }

    public async ValueTask InitializeAsync()
    {
        Unavailable = await StartClusterAsync();
        if (Unavailable is null)
            await InstallAsync();
    }

    private async Task InstallAsync()
    {
        var root = RepositoryRoot.Path;
        await Kubectl.MustAsync("apply", "-k", Path.Combine(root, "config", "crd"));
        await Kubectl.MustAsync("wait", "--for=condition=Established", "--timeout=60s",
            "crd/etlpipelines.etl.router", "crd/etlsources.etl.router", "crd/etltransforms.etl.router", "crd/etlsinks.etl.router", "crd/etlrouterclusters.etl.router");
        await Kubectl.MustAsync("apply", "-f", Path.Combine(root, "config", "manager", "namespace.yaml"));
        await Kubectl.MustAsync("apply", "-k", Path.Combine(root, "config", "rbac"));
        OperatorKubeconfig = await KubeIdentities.ServiceAccountAsync(AdminKubeconfig, OperatorNamespace, OperatorAccount);
        // Bring your own CA (README, "Security"): the install CA Secret holds the tests' CA before the operator
        // starts, so what the operator issues and what the test processes present chain to one root.
        await Admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "etl-router-ca", NamespaceProperty = OperatorNamespace },
            Data = new Dictionary<string, byte[]>
            {
                ["ca.crt"] = File.ReadAllBytes(Path.Combine(TestCertificates.AuthorityDirectory, "ca.crt")),
                ["ca.key"] = File.ReadAllBytes(Path.Combine(TestCertificates.AuthorityDirectory, "ca.key")),
            },
        }, OperatorNamespace);

        Rig = await DataPlaneRig.StartAsync();
        Operator = new OperatorProcess("e2e-operator-a", OperatorKubeconfig, Rig.RouterNode.GrpcAddress);
        await Operator.StartAsync();
        if (ReachesLocalWebhooks)
            await RegisterWebhooksAsync();
    }

    /// <summary>
    /// The committed webhook configurations (config/webhook/manifests.yaml), with each client config calling the
    /// operator's HTTPS port by URL instead of through its Service; then waits until the operator has published its
    /// CA into both (it does on start and on every rotation).
    /// </summary>
    private async Task RegisterWebhooksAsync()
    {
        var manifests = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "config", "webhook", "manifests.yaml"));
        var byUrl = new StringBuilder();
        foreach (var document in KubernetesYaml.LoadAllFromString(manifests))
        {
            switch (document)
            {
                case V1MutatingWebhookConfiguration mutating:
                    foreach (var webhook in mutating.Webhooks) webhook.ClientConfig = ByUrl(webhook.ClientConfig);
                    break;
                case V1ValidatingWebhookConfiguration validating:
                    foreach (var webhook in validating.Webhooks) webhook.ClientConfig = ByUrl(webhook.ClientConfig);
                    break;
            }

            byUrl.Append("---\n").Append(KubernetesYaml.Serialize(document)).Append('\n');
        }

        var applied = await Kubectl.ApplyAsync(byUrl.ToString());
        await Eventually.WaitUntil(
            async () =>
            {
                var mutating = await Admin.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync("etl-router-sidecar-injector");
                var validating = await Admin.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync("etl-router-pipeline-validation");
                return mutating.Webhooks.All(w => w.ClientConfig.CaBundle is { Length: > 0 }) && validating.Webhooks.All(w => w.ClientConfig.CaBundle is { Length: > 0 });
            },
            "the operator to publish its CA into the webhook configurations",
            TimeSpan.FromSeconds(30),
            () => $"kubectl apply said: {applied}\n{byUrl}\n{Operator.Process.Describe()}");

        // And until the API server, having seen the new caBundle, gets through to the webhook (a dry run calls it).
        const string Probe = "apiVersion: etl.router/v1\nkind: EtlPipeline\nmetadata: {name: webhook-probe, namespace: default}\nspec: {source: a, sink: b}\n";
        await Eventually.WaitUntil(
            async () => (await Kubectl.RunAsync(["apply", "--dry-run=server", "-f", "-"], Probe)).Succeeded,
            "the API server to call the validating webhook",
            TimeSpan.FromSeconds(30),
            Operator.Process.Describe);
    }

    private Admissionregistrationv1WebhookClientConfig ByUrl(Admissionregistrationv1WebhookClientConfig config) =>
        new() { Url = new Uri(Operator.WebhookUrl, config.Service.Path.TrimStart('/')).ToString() };

    public async ValueTask DisposeAsync()
    {
        Operator?.Dispose();
        if (Rig is not null) await Rig.DisposeAsync();
        await StopClusterAsync();
        GC.SuppressFinalize(this);
    }
}
