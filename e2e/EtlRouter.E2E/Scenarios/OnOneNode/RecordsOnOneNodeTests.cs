using System.Diagnostics;
using EtlRouter.E2E.Targets;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.E2E.Scenarios.OnOneNode;

/// <summary>
/// Records moving pod to pod on a real node: the reference connectors run as ordinary Deployments in a namespace
/// labelled for injection, the webhook injects the sidecar, each sidecar gets its certificate with its
/// kubelet-projected token, `kubectl apply` of the pipeline, `kubectl wait` for Ready, and every record the generator
/// made arrives at the file sink. Then the same under faults: the router leader's pod deleted mid-stream, a
/// connector's pod deleted mid-stream.
/// </summary>
[Collection(OneNodeCollection.Name)]
public sealed class RecordsOnOneNodeTests(OneNodeCluster cluster)
{
    [Fact]
    public async Task Injected_connectors_move_every_record_pod_to_pod_into_the_sink()
    {
        cluster.Require();
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
        }
        finally
        {
            await demo.DeleteAsync();
        }
    }

    [Fact]
    public async Task Deleting_the_router_leaders_pod_mid_stream_loses_no_record()
    {
        cluster.Require();
        const int count = 6000;
        var demo = await NodeDemo.StartAsync(cluster, "leader", rate: 300, count);
        try
        {
            await NdjsonFile.WaitForIdsAsync(demo.RecordsFile, 1000, cluster.Diagnostics, TimeSpan.FromMinutes(2));
            var leader = await LeaderPodAsync();
            await cluster.Kubectl.MustAsync("-n", OneNodeCluster.Namespace, "delete", "pod", leader, "--wait=false");

            // The StatefulSet brings it back on its volume and it rejoins; the cluster is Ready with three nodes again.
            await cluster.WaitForInstallReadyAsync(routers: 3, TimeSpan.FromMinutes(3));
            var ids = await demo.WaitForEveryRecordAsync(count, $"router leader {leader} deleted");
            Assert.Equal(count, ids.Distinct().Count());
            await cluster.Kubectl.MustAsync("-n", OneNodeCluster.Namespace, "wait", "--for=condition=Ready", "etlroutercluster/etl-router", "--timeout=120s");
        }
        finally
        {
            await demo.DeleteAsync();
        }
    }

    [Fact]
    public async Task Deleting_a_connectors_pod_mid_stream_loses_no_record_and_its_replacement_registers()
    {
        cluster.Require();
        const int count = 6000;
        var demo = await NodeDemo.StartAsync(cluster, "connector", rate: 300, count);
        try
        {
            await NdjsonFile.WaitForIdsAsync(demo.RecordsFile, 1000, cluster.Diagnostics, TimeSpan.FromMinutes(2));
            var old = await PodOfAsync(demo.Namespace, "demo-mask");
            var deleting = Stopwatch.StartNew();
            await cluster.Kubectl.MustAsync("-n", demo.Namespace, "delete", "pod", old, "--wait=true", "--timeout=120s");
            cluster.Report($"deleting injected pod {old} took {deleting.Elapsed.TotalSeconds:F1} s");

            var ids = await demo.WaitForEveryRecordAsync(count, $"connector pod {old} deleted");
            Assert.Equal(count, ids.Distinct().Count());
            Assert.NotEqual(old, await PodOfAsync(demo.Namespace, "demo-mask"));
        }
        finally
        {
            await demo.DeleteAsync();
        }
    }

    private async Task<string> LeaderPodAsync()
    {
        var routerCluster = await cluster.GetJsonAsync("-n", OneNodeCluster.Namespace, "get", "etlroutercluster", "etl-router");
        // The status names the leader by its node id, the StatefulSet ordinal of its pod.
        return $"etl-router-{routerCluster.GetProperty("status").GetProperty("leader").GetString()}";
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
