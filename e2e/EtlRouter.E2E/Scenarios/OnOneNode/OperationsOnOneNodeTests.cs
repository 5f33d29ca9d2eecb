using System.Text.RegularExpressions;
using EtlRouter.E2E.Targets;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.E2E.Scenarios.OnOneNode;

/// <summary>
/// Operating the install on a real node while a pipeline flows: `helm upgrade` that changes a value (operator and
/// routers restart one by one), the EtlRouterCluster scaled 3 -> 5 -> 3 with real pods, the pipeline deleted and
/// drained by its finalizer, and etlctl against the cluster as the docs say (the kubeconfig, and the router
/// through a port-forward with an admin certificate from the install CA).
/// </summary>
[Collection(OneNodeCollection.Name)]
public sealed partial class OperationsOnOneNodeTests(OneNodeCluster cluster)
{
    private const string Ns = OneNodeCluster.Namespace;

    [Fact]
    public async Task Helm_upgrade_that_changes_a_value_restarts_operator_and_routers_and_loses_no_record()
    {
        cluster.Require();
        await cluster.WaitForInstallReadyAsync(routers: 3, TimeSpan.FromMinutes(3));
        const int count = 12000;
        var demo = await NodeDemo.StartAsync(cluster, "upgrade", rate: 150, count);
        try
        {
            var routerRevision = (await cluster.GetJsonAsync("-n", Ns, "get", "statefulset", "etl-router")).GetProperty("status").GetProperty("updateRevision").GetString();
            var mark = Random.Shared.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture);
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

            var ids = await demo.WaitForEveryRecordAsync(count, "helm upgrade (operator and routers restarted)");
            Assert.Equal(count, ids.Distinct().Count());
        }
        finally
        {
            await demo.DeleteAsync();
        }
    }

    [Fact]
    public async Task Scaling_the_router_cluster_3_to_5_to_3_with_real_pods_loses_no_record()
    {
        cluster.Require();
        await cluster.WaitForInstallReadyAsync(routers: 3, TimeSpan.FromMinutes(3));
        const int count = 12000;
        var demo = await NodeDemo.StartAsync(cluster, "scale", rate: 150, count);
        try
        {
            foreach (var replicas in new[] { 5, 3 })
            {
                await cluster.Kubectl.MustAsync("-n", Ns, "patch", "etlroutercluster", "etl-router", "--type", "merge", "-p", $"{{\"spec\":{{\"replicas\":{replicas}}}}}");
                await cluster.WaitForInstallReadyAsync(routers: replicas, TimeSpan.FromMinutes(4));
                await Eventually.WaitUntil(async () =>
                    {
                        var status = (await cluster.GetJsonAsync("-n", Ns, "get", "etlroutercluster", "etl-router")).GetProperty("status");
                        return status.TryGetProperty("readyReplicas", out var ready) && ready.GetInt32() == replicas;
                    }, $"the router cluster to report {replicas} ready nodes", TimeSpan.FromMinutes(3), cluster.Diagnostics);
                cluster.Report($"router cluster scaled to {replicas}, {demo.Ids().Distinct().Count()} records at the sink so far");
            }

            var ids = await demo.WaitForEveryRecordAsync(count, "router cluster scaled 3 -> 5 -> 3");
            Assert.Equal(count, ids.Distinct().Count());
        }
        finally
        {
            await demo.DeleteAsync();
        }
    }

    [Fact]
    public async Task Deleting_a_pipeline_runs_its_finalizer_and_etlctl_works_against_the_cluster()
    {
        cluster.Require();
        await cluster.WaitForInstallReadyAsync(routers: 3, TimeSpan.FromMinutes(3));
        var demo = await NodeDemo.StartAsync(cluster, "finalizer", rate: 200, count: 0);
        var home = Directory.CreateTempSubdirectory("etl-node-etlctl-").FullName;
        using var forward = ChildProcess.Program(Kubectl.Path, ["--kubeconfig", cluster.KubeconfigPath, "-n", Ns, "port-forward", "svc/etl-router", "0:50051"]);
        try
        {
            // etlctl through the kubeconfig, as for any cluster.
            var etlctl = new EtlCtlRunner(new Dictionary<string, string> { ["KUBECONFIG"] = cluster.KubeconfigPath, ["HOME"] = home });
            var (exit, output, error) = await etlctl.RunAsync("get", "pipelines", "-n", demo.Namespace);
            Assert.True(exit == 0, $"etlctl get pipelines: exit {exit}: {error}");
            Assert.Contains("demo", output, StringComparison.Ordinal);

            // etlctl at the router, through a port-forward, with an admin certificate from the install CA (docs/security.md).
            var ca = Path.Combine(home, "ca");
            Directory.CreateDirectory(ca);
            await File.WriteAllBytesAsync(Path.Combine(ca, "ca.crt"), Convert.FromBase64String(await cluster.Kubectl.MustAsync("-n", Ns, "get", "secret", "etl-router-ca", "-o", "jsonpath={.data.ca\\.crt}")));
            await File.WriteAllBytesAsync(Path.Combine(ca, "ca.key"), Convert.FromBase64String(await cluster.Kubectl.MustAsync("-n", Ns, "get", "secret", "etl-router-ca", "-o", "jsonpath={.data.ca\\.key}")));
            var admin = Path.Combine(home, "admin");
            var issued = await etlctl.RunAsync("certs", "issue", "--ca", ca, "--identity", "admin/node-test", "--out", admin);
            Assert.True(issued.Exit == 0, $"etlctl certs issue: {issued.Error}");
            forward.Start();
            var port = await Eventually.WaitFor(() => Task.FromResult(forward.Printed("Forwarding from 127.0.0.1:").Select(line => ForwardedPort().Match(line)).FirstOrDefault(m => m.Success)?.Groups[1].Value),
                "kubectl port-forward to the router", TimeSpan.FromSeconds(30));
            var atRouter = new EtlCtlRunner(new Dictionary<string, string> { ["HOME"] = home, ["ETLCTL_TLS_DIR"] = admin });
            var status = await atRouter.RunAsync("--router", $"127.0.0.1:{port}", "cluster", "status");
            Assert.True(status.Exit == 0, $"etlctl cluster status through the port-forward: exit {status.Exit}: {status.Error}");
            Assert.Contains("leader", status.Out, StringComparison.OrdinalIgnoreCase);

            var before = await atRouter.RunAsync("--router", $"127.0.0.1:{port}", "get", "pipelines");
            Assert.Contains(demo.Namespace, before.Out, StringComparison.Ordinal);

            // The pipeline carries the operator's finalizer; deleting it drains it from the router and removes it.
            var pipeline = await cluster.GetJsonAsync("-n", demo.Namespace, "get", "etlpipeline", "demo");
            Assert.True(pipeline.GetProperty("metadata").TryGetProperty("finalizers", out var finalizers) && finalizers.GetArrayLength() > 0);
            await cluster.Kubectl.MustAsync("-n", demo.Namespace, "delete", "etlpipeline", "demo", "--timeout=120s");
            var pipelines = await atRouter.RunAsync("--router", $"127.0.0.1:{port}", "get", "pipelines");
            Assert.True(pipelines.Exit == 0, $"etlctl get pipelines at the router: {pipelines.Error}");
            Assert.DoesNotContain(demo.Namespace, pipelines.Out, StringComparison.Ordinal);
        }
        finally
        {
            await forward.StopAsync();
            await demo.DeleteAsync();
            Directory.Delete(home, recursive: true);
        }
    }

    [GeneratedRegex(@"Forwarding from 127\.0\.0\.1:(\d+)")]
    private static partial Regex ForwardedPort();
}
