using System.Globalization;
using System.Text;
using EtlRouter.Contracts.V1;
using EtlRouter.Tests.RealApiServer;
using EtlRouter.Tests.Support;
using Grpc.Core;
using k8s;
using k8s.Models;
using Xunit;

namespace EtlRouter.E2E.Targets;

/// <summary>
/// A Kubernetes API server with ETL Router installed on it as a platform team would: the CRDs, the operator's
/// namespace, ServiceAccount and generated RBAC (`config/crd`, `config/rbac`), etl-operator running as that
/// ServiceAccount, and a router. The operator and the router run as processes on this machine, talking to the API
/// server through a kubeconfig; where the API server can call this machine (<see cref="ClusterTarget.WebhooksReachable"/>),
/// the webhook configurations from `config/webhook` name the operator's HTTPS port by URL. A target that cannot start
/// here says why in <see cref="ClusterTarget.Unavailable"/>.
/// </summary>
public abstract class LocalOperatorTarget : ClusterTarget, IAsyncLifetime
{
    /// <summary>The router the operator pushes to, and the connectors and sidecars scenarios add to it.</summary>
    public DataPlaneRig Rig { get; private set; } = null!;

    /// <summary>etl-operator, as the ServiceAccount bound to the generated role.</summary>
    public OperatorProcess Operator { get; private set; } = null!;

    /// <summary>The kubeconfig etl-operator runs with: a token of its ServiceAccount.</summary>
    public string OperatorKubeconfig { get; private set; } = string.Empty;

    /// <summary>Starts the cluster; returns null when it runs, or why it cannot run here.</summary>
    protected abstract Task<string?> StartClusterAsync();

    protected abstract ValueTask StopClusterAsync();

    public override Task StopOperatorAsync() => Operator.Process.StopAsync();

    public override Task StartOperatorAsync() => Operator.StartAsync();

    public override string DescribeOperator() => Operator.Process.Describe();

    public override async Task<bool> RouterHasPipelineAsync(string ns, string name)
    {
        try
        {
            await Rig.RouterNode.ControlPlane.GetPipelineAsync(new GetPipelineRequest { Ref = new PipelineRef { Namespace = ns, Name = name } }, deadline: DateTime.UtcNow.AddSeconds(10));
            return true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return false;
        }
    }

    public override async Task<string> ServeAsync(string ns, string source, string sink, int count)
    {
        var output = Path.Combine(Rig.Directory, $"{ns}.ndjson");
        var generator = await Rig.ConnectorAsync("generator", source, "--rate", "200", "--count", count.ToString(CultureInfo.InvariantCulture));
        var file = await Rig.ConnectorAsync("file", sink, "--path", output);
        var pod = new Dictionary<string, string> { ["POD_NAMESPACE"] = ns };
        await Rig.SidecarAsync($"{ns}-source-pod", [generator], pod);
        await Rig.SidecarAsync($"{ns}-sink-pod", [file], pod);
        return output;
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
        if (WebhooksReachable)
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
