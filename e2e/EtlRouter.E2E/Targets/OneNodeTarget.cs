using EtlRouter.Tests.Support;
using k8s;

namespace EtlRouter.E2E.Targets;

/// <summary>
/// The scenarios' fourth target: the one-node cluster (<see cref="OneNodeCluster"/>) with the chart installed, so
/// what the other targets can only half-prove runs with real pods here: the injected sidecar starts beside its
/// container, `kubectl wait` returns once sidecars in pods serve the stages, the finalizer drains a router that runs
/// as a StatefulSet. The operator is stopped by scaling its Deployment to zero; the router is asked through
/// `kubectl port-forward` with an admin certificate (<see cref="NodeRouterAccess"/>). One is made per scenario and
/// deletes the namespaces it made afterwards, so their pods do not load the node for the next scenarios.
/// </summary>
public sealed class OneNodeTarget : ClusterTarget
{
    private const string Operator = "deployment/etl-operator";
    private const string OperatorPods = "app.kubernetes.io/name=etl-operator";
    private const string ConnectorImage = $"{OneNodeCluster.ImageRepository}/etl-connector:0.1.0";

    private readonly OneNodeCluster cluster;
    private readonly List<string> made = [];

    public OneNodeTarget(OneNodeCluster cluster)
    {
        this.cluster = cluster;
        Unavailable = cluster.Unavailable;
        AdminKubeconfig = cluster.KubeconfigPath;
    }

    public override string Name => "one-node cluster";

    public override bool WebhooksReachable => true;

    public override bool RunsPods => true;

    /// <summary>The node's pause image: present on the node, so the scenarios' plain pods really start.</summary>
    public override string AppImage => "localhost/etl-node/pause:3.4";

    public override async Task<string> NamespaceAsync(string purpose, IDictionary<string, string>? labels = null)
    {
        var name = await base.NamespaceAsync(purpose, labels);
        made.Add(name);
        return name;
    }

    public override async Task StopOperatorAsync()
    {
        await Kubectl.MustAsync("-n", OperatorNamespace, "scale", Operator, "--replicas=0");
        await Eventually.WaitUntil(
            async () => (await cluster.Admin.CoreV1.ListNamespacedPodAsync(OperatorNamespace, labelSelector: OperatorPods)).Items.Count == 0,
            "every operator pod to be gone", TimeSpan.FromMinutes(2), cluster.Diagnostics);
    }

    public override async Task StartOperatorAsync()
    {
        await Kubectl.MustAsync("-n", OperatorNamespace, "scale", Operator, "--replicas=2");
        await cluster.WaitForInstallReadyAsync(routers: 3, TimeSpan.FromMinutes(3));
        // Ready pods are not yet behind the webhook Service everywhere: wait until the API server gets through (a
        // server-side dry run calls the validating webhook).
        const string Probe = "apiVersion: etl.router/v1\nkind: EtlPipeline\nmetadata: {name: webhook-probe, namespace: default}\nspec: {source: a, sink: b}\n";
        await Eventually.WaitUntil(
            async () => (await Kubectl.RunAsync(["apply", "--dry-run=server", "-f", "-"], Probe)).Succeeded,
            "the API server to call the operator's validating webhook", TimeSpan.FromMinutes(1), DescribeOperator);
    }

    public override string DescribeOperator()
    {
        var logs = Kubectl.RunAsync("-n", OperatorNamespace, "logs", Operator, "--tail=40").GetAwaiter().GetResult();
        return $"operator logs (one replica):\n{logs.Output}{logs.Errors}\n{cluster.Diagnostics()}";
    }

    public override async Task<bool> RouterHasPipelineAsync(string ns, string name)
    {
        await using var router = await NodeRouterAccess.OpenAsync(cluster);
        var (exit, output, error) = await router.RunAtRouterAsync("get", "pipelines", "-n", ns, "-o", "name");
        if (exit != 0) throw new InvalidOperationException($"etlctl get pipelines at the router: exit {exit}: {error}");
        return output.Split('\n', StringSplitOptions.TrimEntries).Any(line => line == name || line.EndsWith($"/{name}", StringComparison.Ordinal));
    }

    public override async Task<string> ServeAsync(string ns, string source, string sink, int count)
    {
        var output = Path.Combine(cluster.Directory, "out", ns);
        Directory.CreateDirectory(output);
        // The connectors run as 65532; the directory is the test's, on this machine (the node).
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(output, (UnixFileMode)0b111_111_111);
        await Kubectl.MustAsync("label", "namespace", ns, "etl.router/injection=enabled");
        await Kubectl.ApplyAsync(
            Connector(source, $"[generator, --name, {source}, --port, \"50052\", --rate, \"200\", --count, \"{count}\"]", null) + "\n---\n" +
            Connector(sink, $"[file, --name, {sink}, --port, \"50052\", --path, /out/records.ndjson]", output),
            "-n", ns);
        return Path.Combine(output, "records.ndjson");
    }

    public override async Task CleanUpAsync()
    {
        foreach (var ns in made)
            await Kubectl.RunAsync("delete", "namespace", ns, "--wait=false");
    }

    /// <summary>A reference connector as an ordinary Deployment, as a user runs their own service.</summary>
    private static string Connector(string name, string args, string? hostPath)
    {
        var mounts = hostPath is null ? "[{name: tmp, mountPath: /tmp}]" : "[{name: tmp, mountPath: /tmp}, {name: out, mountPath: /out}]";
        var volumes = hostPath is null ? "[{name: tmp, emptyDir: {}}]" : $"[{{name: tmp, emptyDir: {{}}}}, {{name: out, hostPath: {{path: {hostPath}, type: DirectoryOrCreate}}}}]";
        return $$$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: {{{name}}}}
            spec:
              replicas: 1
              selector: {matchLabels: {app: {{{name}}}}}
              template:
                metadata: {labels: {app: {{{name}}}}}
                spec:
                  securityContext: {runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532}
                  containers:
                  - name: connector
                    image: {{{ConnectorImage}}}
                    imagePullPolicy: Never
                    args: {{{args}}}
                    securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
                    volumeMounts: {{{mounts}}}
                  volumes: {{{volumes}}}
            """;
    }
}
