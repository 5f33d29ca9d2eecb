using System.Diagnostics;
using System.Globalization;
using EtlRouter.E2E.Targets;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.E2E.Scenarios.OnOneNode;

/// <summary>
/// Records moving pod to pod on a real node: the reference connectors run as ordinary Deployments in a namespace
/// labelled for injection, the webhook injects the sidecar, each sidecar gets its certificate with its
/// kubelet-projected token, `kubectl apply` of the pipeline, `kubectl wait` for Ready, and every record the generator
/// made arrives at the file sink. Then one stream through every fault, each counted: the router leader's pod deleted,
/// a connector's pod deleted, the EtlRouterCluster scaled 3 -> 5 -> 3, and `helm upgrade` of a value (operator and
/// routers restart one by one), counted at a file sink and at an idempotent Postgres sink outside the cluster.
/// </summary>
[Collection(OneNodeCollection.Name)]
public sealed class RecordsOnOneNodeTests(OneNodeCluster cluster)
{
    private const string Ns = OneNodeCluster.Namespace;

    [Fact]
    public async Task Injected_connectors_move_every_record_pod_to_pod_etlctl_sees_it_and_the_finalizer_drains_it()
    {
        cluster.Require();
        await cluster.WaitForInstallReadyAsync(routers: 3, TimeSpan.FromMinutes(3));
        const int count = 3000;
        var demo = await NodeDemo.StartAsync(cluster, "flow", rate: 600, count);
        try
        {
            // The webhook injected the sidecar into each connector's pod.
            var pods = await cluster.GetJsonAsync("-n", demo.Namespace, "get", "pods");
            foreach (var pod in pods.GetProperty("items").EnumerateArray())
            {
                var containers = pod.GetProperty("spec").GetProperty("containers").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
                Assert.Contains("etl-sidecar", containers);
                Assert.True(pod.GetProperty("metadata").GetProperty("annotations").TryGetProperty("etl.router/injected-version", out _));
            }

            var ids = await demo.WaitForEveryRecordAsync(count, "flow");
            Assert.Equal(count, ids.Distinct().Count());

            var described = await cluster.Kubectl.MustAsync("-n", demo.Namespace, "describe", "etlpipeline", "demo");
            Assert.Contains("Ready", described, StringComparison.Ordinal);
            var sidecarLogs = await cluster.Kubectl.MustAsync("-n", demo.Namespace, "logs", "deploy/demo-files", "-c", "etl-sidecar", "--tail=400");
            Assert.Contains("certificate", sidecarLogs, StringComparison.OrdinalIgnoreCase);

            // etlctl through the kubeconfig, as for any cluster; and at the router through a port-forward, with an
            // admin certificate from the install CA (docs/security.md).
            await using var etlctl = await NodeRouterAccess.OpenAsync(cluster);
            var (exit, output, error) = await etlctl.ThroughKubeconfig.RunAsync("get", "pipelines", "-n", demo.Namespace);
            Assert.True(exit == 0, $"etlctl get pipelines: exit {exit}: {error}");
            Assert.Contains("demo", output, StringComparison.Ordinal);
            var status = await etlctl.RunAtRouterAsync("cluster", "status");
            Assert.True(status.Exit == 0, $"etlctl cluster status through the port-forward: exit {status.Exit}: {status.Error}");
            Assert.Contains("leader", status.Out, StringComparison.OrdinalIgnoreCase);
            var before = await etlctl.RunAtRouterAsync("get", "pipelines", "-A");
            Assert.Contains(demo.Namespace, before.Out, StringComparison.Ordinal);

            // The pipeline carries the operator's finalizer; deleting it drains it from the router and removes it.
            var pipeline = await cluster.GetJsonAsync("-n", demo.Namespace, "get", "etlpipeline", "demo");
            Assert.True(pipeline.GetProperty("metadata").TryGetProperty("finalizers", out var finalizers) && finalizers.GetArrayLength() > 0);
            await cluster.Kubectl.MustAsync("-n", demo.Namespace, "delete", "etlpipeline", "demo", "--timeout=120s");
            // The node etlctl reads may apply the committed delete a moment after the finalizer let go: wait for it.
            var after = before;
            await Eventually.WaitUntil(async () => !(after = await etlctl.RunAtRouterAsync("get", "pipelines", "-A")).Out.Contains(demo.Namespace, StringComparison.Ordinal),
                "the router forgetting the deleted pipeline", TimeSpan.FromSeconds(30), () => after.Out);
        }
        finally
        {
            await demo.DeleteAsync();
        }
    }

    [Fact]
    public async Task One_stream_through_every_fault_loses_no_record()
    {
        cluster.Require();
        await cluster.WaitForInstallReadyAsync(routers: 3, TimeSpan.FromMinutes(3));
        // About four minutes of records at 200/s: the faults below happen while they flow.
        const int count = 48000;
        // Fanned out to the file sink (which shows the at-least-once path's redeliveries) and to a Postgres sink
        // outside the cluster (idempotent: a redelivered record is written once, so it must end with no duplicate).
        var demo = await NodeDemo.StartAsync(cluster, "faults", rate: 200, count, cluster.Postgres);
        try
        {
            await NdjsonFile.WaitForIdsAsync(demo.RecordsFile, 1000, cluster.Diagnostics, TimeSpan.FromMinutes(2));

            // The router leader's pod: the StatefulSet brings it back on its volume and it rejoins.
            var leader = await LeaderPodAsync();
            await cluster.Kubectl.MustAsync("-n", Ns, "delete", "pod", leader, "--wait=false");
            await cluster.WaitForInstallReadyAsync(routers: 3, TimeSpan.FromMinutes(3));
            await cluster.Kubectl.MustAsync("-n", Ns, "wait", "--for=condition=Ready", "etlroutercluster/etl-router", "--timeout=120s");
            Progress(demo, $"router leader {leader} deleted and back");

            // A connector's pod: its Deployment replaces it and the new pod's sidecar registers.
            var old = await PodOfAsync(demo.Namespace, "demo-mask");
            var deleting = Stopwatch.StartNew();
            await cluster.Kubectl.MustAsync("-n", demo.Namespace, "delete", "pod", old, "--wait=false");
            // Its containers (the connector and the sidecar) end on SIGTERM within seconds, well inside the default
            // 30 s grace period: the sidecar no longer waits out its shutdown timeout for inbound streams.
            await Eventually.WaitUntil(async () => await ContainersStoppedAsync(demo.Namespace, old), $"pod {old}'s containers to stop", TimeSpan.FromMinutes(2), cluster.Diagnostics);
            var stopped = deleting.Elapsed;
            await cluster.Kubectl.RunAsync(["-n", demo.Namespace, "wait", "--for=delete", $"pod/{old}", "--timeout=120s"], deadline: TimeSpan.FromMinutes(3));
            cluster.Report($"deleted injected pod {old}: containers stopped after {stopped.TotalSeconds:F1} s, the object gone after {deleting.Elapsed.TotalSeconds:F1} s (grace period 30 s)");
            Assert.True(stopped < TimeSpan.FromSeconds(20), $"pod {old}'s containers took {stopped.TotalSeconds:F1} s to stop");
            await Eventually.WaitUntil(async () => await cluster.ReadyPodsAsync(demo.Namespace, "app=demo-mask") == 1, "the replacement demo-mask pod to be Ready", TimeSpan.FromMinutes(2), cluster.Diagnostics);
            Progress(demo, $"connector pod {old} deleted and replaced");

            // The router cluster scaled 3 -> 5 -> 3 with real pods.
            foreach (var replicas in new[] { 5, 3 })
            {
                await cluster.Kubectl.MustAsync("-n", Ns, "patch", "etlroutercluster", "etl-router", "--type", "merge", "-p", $"{{\"spec\":{{\"replicas\":{replicas}}}}}");
                await cluster.WaitForInstallReadyAsync(routers: replicas, TimeSpan.FromMinutes(4));
                await Eventually.WaitUntil(async () =>
                    {
                        var status = (await cluster.GetJsonAsync("-n", Ns, "get", "etlroutercluster", "etl-router")).GetProperty("status");
                        return status.TryGetProperty("readyReplicas", out var ready) && ready.GetInt32() == replicas;
                    }, $"the router cluster to report {replicas} ready nodes", TimeSpan.FromMinutes(3), cluster.Diagnostics);
                Progress(demo, $"router cluster scaled to {replicas}");
            }

            // `helm upgrade` that changes a value of each: a rolling restart of the operator and of the routers.
            var routerRevision = (await cluster.GetJsonAsync("-n", Ns, "get", "statefulset", "etl-router")).GetProperty("status").GetProperty("updateRevision").GetString();
            var mark = Random.Shared.Next(1000, 9999).ToString(CultureInfo.InvariantCulture);
            var upgrade = await cluster.HelmAsync("upgrade", OneNodeCluster.Release, Helm.ChartPath, "--namespace", Ns, "--reuse-values",
                "--set", "router.resources.requests.cpu=110m",
                "--set-json", $"operator.extraEnv=[{{\"name\":\"UPGRADE_MARK\",\"value\":\"{mark}\"}}]");
            Assert.True(upgrade.Succeeded, $"helm upgrade failed: {upgrade}");
            await cluster.Kubectl.MustAsync("-n", Ns, "rollout", "status", "deployment/etl-operator", "--timeout=300s");
            await Eventually.WaitUntil(async () =>
                {
                    var status = (await cluster.GetJsonAsync("-n", Ns, "get", "statefulset", "etl-router")).GetProperty("status");
                    return status.GetProperty("updateRevision").GetString() != routerRevision
                        && status.GetProperty("currentRevision").GetString() == status.GetProperty("updateRevision").GetString()
                        && status.TryGetProperty("updatedReplicas", out var updated) && updated.GetInt32() == 3;
                }, "the router StatefulSet to roll out the upgrade", TimeSpan.FromMinutes(6), cluster.Diagnostics);
            await cluster.WaitForInstallReadyAsync(routers: 3, TimeSpan.FromMinutes(3));
            Progress(demo, "helm upgrade rolled out (operator and routers restarted)");

            const string Through = "one stream through the leader's pod, a connector's pod, scaling 3 -> 5 -> 3 and helm upgrade";
            var ids = await demo.WaitForEveryRecordAsync(count, Through, TimeSpan.FromMinutes(5));
            Assert.Equal(count, ids.Distinct().Count());
            await demo.WaitForEveryRowAsync(cluster.Postgres, count, Through, TimeSpan.FromMinutes(2));
        }
        finally
        {
            await demo.DeleteAsync();
        }
    }

    private void Progress(NodeDemo demo, string what) =>
        cluster.Report($"{what}: {demo.Ids().Distinct().Count()} records at the sink so far");

    private async Task<string> LeaderPodAsync()
    {
        var routerCluster = await cluster.GetJsonAsync("-n", Ns, "get", "etlroutercluster", "etl-router");
        // The status names the leader by its node id, the StatefulSet ordinal of its pod.
        return $"etl-router-{routerCluster.GetProperty("status").GetProperty("leader").GetString()}";
    }

    /// <summary>Whether every container of the pod has terminated (or the pod is gone).</summary>
    private async Task<bool> ContainersStoppedAsync(string ns, string pod)
    {
        var got = await cluster.Kubectl.RunAsync("-n", ns, "get", "pod", pod, "-o", "json");
        if (!got.Succeeded) return got.Errors.Contains("NotFound", StringComparison.Ordinal);
        var status = System.Text.Json.JsonDocument.Parse(got.Output).RootElement.GetProperty("status");
        return status.TryGetProperty("containerStatuses", out var containers)
            && containers.EnumerateArray().All(c => c.GetProperty("state").TryGetProperty("terminated", out _) || !c.GetProperty("state").TryGetProperty("running", out _));
    }

    private async Task<string> PodOfAsync(string ns, string app)
    {
        var pods = await cluster.GetJsonAsync("-n", ns, "get", "pods", "-l", $"app={app}");
        return pods.GetProperty("items").EnumerateArray()
            .Where(p => !p.GetProperty("metadata").TryGetProperty("deletionTimestamp", out _))
            .Select(p => p.GetProperty("metadata").GetProperty("name").GetString()!)
            .First();
    }
}
