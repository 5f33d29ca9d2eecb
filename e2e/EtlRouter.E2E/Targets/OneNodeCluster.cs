using System.Diagnostics;
using System.Text.Json;
using EtlRouter.Tests.Support;
using k8s;
using Xunit;

namespace EtlRouter.E2E.Targets;

/// <summary>
/// The node tier: a one-node Kubernetes 1.20 on this machine (scripts/kube-node: etcd, API server, controller
/// manager, scheduler, containerd, kubelet, kube-proxy, bridge CNI), the five images built here from the
/// repository's Dockerfiles (scripts/node-images) loaded into its containerd, and the chart installed with helm as
/// the README says, with values only for the image repository, pull policy and storage class. Everything runs as
/// real pods. `make test` builds the node and the images and passes them as <see cref="NodeVariable"/> and
/// <see cref="ImagesVariable"/>; without them, or without root, the scenarios skip and say why.
/// </summary>
public sealed class OneNodeCluster : IAsyncLifetime
{
    public const string NodeVariable = "ETL_TEST_NODE";
    public const string ImagesVariable = "ETL_TEST_NODE_IMAGES";
    public const string Namespace = "etl-system";
    public const string Release = "etl-router";
    public const string ImageRepository = "localhost/etl-router";

    private static readonly string Script = Path.Combine(RepositoryRoot.Path, "scripts", "kube-node");

    private ChildProcess? node;

    /// <summary>Why the node tier cannot run here (the scenarios skip with it), or null.</summary>
    public string? Unavailable { get; private set; }

    public string Directory { get; } = Path.Combine(RepositoryRoot.Path, ".artifacts", "node-cluster");

    private string PostgresDirectory => Path.Combine(Directory, "postgres");

    public string KubeconfigPath => Path.Combine(Directory, "kubeconfig");

    public Kubectl Kubectl => new(KubeconfigPath);

    public IKubernetes Admin => new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

    /// <summary>A PostgreSQL outside the cluster that its pods reach (on the bridge gateway).</summary>
    public NodePostgres Postgres { get; private set; } = null!;

    /// <summary>From `helm install` until the operator's two replicas and the three router nodes were Ready.</summary>
    public TimeSpan InstallToReady { get; private set; }

    public void Require()
    {
        if (Unavailable is { } reason) Assert.Skip($"one-node cluster: {reason}");
    }

    public async ValueTask InitializeAsync()
    {
        Unavailable = await WhyUnavailableAsync();
        if (Unavailable is not null) return;

        await NodePostgres.StopAsync(PostgresDirectory);
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
        System.IO.Directory.CreateDirectory(Directory);
        node = ChildProcess.Program(Script, ["run", Directory]);
        node.Start();
        await Eventually.WaitUntil(() => File.Exists(Path.Combine(Directory, "ready")) || !node.IsRunning,
            "the one-node cluster to be ready", TimeSpan.FromMinutes(4));
        Assert.True(node.IsRunning, $"scripts/kube-node run stopped: {node.Describe()}");
        Postgres = await NodePostgres.StartAsync(PostgresDirectory);

        var images = System.IO.Directory.GetFiles(Environment.GetEnvironmentVariable(ImagesVariable)!, "*.tar");
        var imported = await ProcessRun.RunAsync(Script, ["import", .. images], TimeSpan.FromMinutes(5));
        Assert.True(imported.Succeeded, $"importing the images failed: {imported}");

        await InstallAsync();
    }

    private static async Task<string?> WhyUnavailableAsync()
    {
        if (Environment.GetEnvironmentVariable(NodeVariable) is not { Length: > 0 })
            return $"{NodeVariable} is not set: `make test` builds the node (scripts/kube-node build) and sets it";
        if (Environment.GetEnvironmentVariable(ImagesVariable) is not { Length: > 0 } images || !System.IO.Directory.Exists(images))
            return $"{ImagesVariable} is not set: `make test` builds the images (scripts/node-images build) and sets it";
        if (Environment.GetEnvironmentVariable(Helm.Variable) is not { Length: > 0 })
            return $"{Helm.Variable} is not set: `make test` fetches helm (scripts/helm path)";
        var check = await ProcessRun.RunAsync(Script, ["unavailable"], TimeSpan.FromSeconds(30));
        return check.ExitCode == 0 ? check.Output.Trim() : null;
    }

    /// <summary>`helm install` as the README says, then waits for every pod of the install to be Ready.</summary>
    private async Task InstallAsync()
    {
        var started = Stopwatch.StartNew();
        var install = await HelmAsync("install", Release, Helm.ChartPath, "--namespace", Namespace, "--create-namespace",
            "--set", $"image.repository={ImageRepository}", "--set", "image.pullPolicy=Never",
            "--set", "router.storage.storageClassName=etl-node-local");
        Assert.True(install.Succeeded, $"helm install failed: {install}");
        await WaitForInstallReadyAsync(routers: 3, TimeSpan.FromMinutes(4));
        InstallToReady = started.Elapsed;
        Report($"helm install to every pod Ready in {InstallToReady.TotalSeconds:F1} s");
    }

    /// <summary>
    /// A measured figure (times, records counted through a fault): into the test's diagnostics and appended to
    /// .artifacts/node-figures.txt, which a person reads after `make test`.
    /// </summary>
    public void Report(string figure)
    {
        TestContext.Current.SendDiagnosticMessage($"node tier: {figure}");
        File.AppendAllText(Path.Combine(RepositoryRoot.Path, ".artifacts", "node-figures.txt"), $"{DateTime.UtcNow:O} {figure}\n");
    }

    /// <summary>Runs helm against this cluster (the kubeconfig passed explicitly).</summary>
    public Task<ProcessRun.Result> HelmAsync(params string[] arguments) =>
        Helm.RunAsync(["--kubeconfig", KubeconfigPath, .. arguments]);

    /// <summary>Waits until both operator replicas and <paramref name="routers"/> router pods are Ready.</summary>
    public async Task WaitForInstallReadyAsync(int routers, TimeSpan deadline)
    {
        await Eventually.WaitUntil(async () =>
                await ReadyPodsAsync(Namespace, "app.kubernetes.io/name=etl-operator") == 2
                && await ReadyPodsAsync(Namespace, "app.kubernetes.io/name=etl-router") == routers,
            $"2 operator and {routers} router pods to be Ready", deadline, Diagnostics);
    }

    /// <summary>How many pods matching the selector are Ready (and not being deleted).</summary>
    public async Task<int> ReadyPodsAsync(string ns, string selector)
    {
        var pods = await Admin.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector);
        return pods.Items.Count(p => p.Metadata.DeletionTimestamp is null
            && p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);
    }

    /// <summary>`kubectl get pods -A -o wide` and the node's recent output: what a timed-out wait should show.</summary>
    public string Diagnostics()
    {
        try
        {
            var pods = Kubectl.RunAsync("get", "pods", "-A", "-o", "wide").GetAwaiter().GetResult();
            var events = Kubectl.RunAsync("get", "events", "-A", "--sort-by=.lastTimestamp").GetAwaiter().GetResult();
            return $"pods:\n{pods.Output}\nevents (last 30):\n{string.Join('\n', events.Output.Split('\n').TakeLast(30))}\nnode: {node?.Describe()}";
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            return $"(no diagnostics: {e.Message}) node: {node?.Describe()}";
        }
    }

    /// <summary>The JSON of `kubectl get ARGS -o json`.</summary>
    public async Task<JsonElement> GetJsonAsync(params string[] arguments)
    {
        var output = await Kubectl.MustAsync([.. arguments, "-o", "json"]);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        if (node is null) return;
        if (Postgres is not null) await Postgres.DisposeAsync();
        // SIGTERM: the script removes every pod, mount, device and rule it made before it exits.
        await node.StopAsync(TimeSpan.FromMinutes(2));
        node.Dispose();
    }
}
