using EtlRouter.E2E.Targets;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.E2E.Scenarios.OnOneNode;

/// <summary>
/// What `helm install` gives on a real node: the operator's two replicas (one leads) and the three router pods Ready
/// through their own probes, the router cluster Ready with a leader, each router on a volume of its own, and the
/// webhooks answering the API server through their Service with the operator's own certificates.
/// </summary>
[Collection(OneNodeCollection.Name)]
public sealed class InstallOnOneNodeTests(OneNodeCluster cluster)
{
    private const string Ns = OneNodeCluster.Namespace;

    [Fact]
    public async Task Helm_install_runs_the_operator_and_a_router_cluster_that_become_ready_through_their_probes()
    {
        cluster.Require();
        Assert.True(cluster.InstallToReady > TimeSpan.Zero);

        var lease = await cluster.GetJsonAsync("-n", Ns, "get", "lease", "etl-operator-leader");
        var holder = lease.GetProperty("spec").GetProperty("holderIdentity").GetString();
        var operators = await cluster.GetJsonAsync("-n", Ns, "get", "pods", "-l", "app.kubernetes.io/name=etl-operator");
        Assert.Contains(holder, operators.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("metadata").GetProperty("name").GetString()));

        await cluster.Kubectl.MustAsync("-n", Ns, "wait", "--for=condition=Ready", "etlroutercluster/etl-router", "--timeout=120s");
        var routerCluster = await cluster.GetJsonAsync("-n", Ns, "get", "etlroutercluster", "etl-router");
        Assert.Equal(3, routerCluster.GetProperty("status").GetProperty("readyReplicas").GetInt32());

        // Each router node holds its data on a volume of its own, bound through the StorageClass the values named.
        var volumes = new List<string?>();
        foreach (var ordinal in new[] { 0, 1, 2 })
        {
            var claim = await cluster.GetJsonAsync("-n", Ns, "get", "pvc", $"data-etl-router-{ordinal}");
            Assert.Equal("Bound", claim.GetProperty("status").GetProperty("phase").GetString());
            Assert.Equal("etl-node-local", claim.GetProperty("spec").GetProperty("storageClassName").GetString());
            volumes.Add(claim.GetProperty("spec").GetProperty("volumeName").GetString());
        }

        Assert.Equal(3, volumes.Distinct().Count());

        // `kubectl describe` and `kubectl logs` work as documented.
        var described = await cluster.Kubectl.MustAsync("-n", Ns, "describe", "etlroutercluster", "etl-router");
        Assert.Contains("Ready", described, StringComparison.Ordinal);
        var logs = await cluster.Kubectl.MustAsync("-n", Ns, "logs", "etl-router-0", "--tail=200");
        Assert.Contains("Raft node 0", logs, StringComparison.Ordinal);
    }

    /// <summary>
    /// Each image as a pod that only says runAsNonRoot (no runAsUser: the kubelet must find a numeric non-root user in
    /// the image) on a read-only root file system: it runs as 65532, its program is where the entry point says, and
    /// it cannot write its root. etlctl, the one image no pod of the install runs, also runs its entry point.
    /// </summary>
    [Theory]
    [InlineData("etl-operator", "/app/etl-operator.dll")]
    [InlineData("etl-router", "/app/etl-router.dll")]
    [InlineData("etl-sidecar", "/app/etl-sidecar")]
    [InlineData("etl-connector", "/app/etl-connector.dll")]
    [InlineData("etlctl", "/app/etlctl.dll")]
    public async Task Each_image_runs_as_its_numeric_non_root_user_on_a_read_only_root(string image, string program)
    {
        cluster.Require();
        var ns = $"image-{image}-{Random.Shared.Next(1000, 9999)}";
        await cluster.Kubectl.MustAsync("create", "namespace", ns);
        try
        {
            var check = $"test \"$(id -u)\" = 65532 && test -f {program} && ! touch /written 2>/dev/null && echo image-ok";
            await cluster.Kubectl.ApplyAsync($$$"""
                apiVersion: v1
                kind: Pod
                metadata: {name: check}
                spec:
                  restartPolicy: Never
                  securityContext: {runAsNonRoot: true}
                  containers:
                  - name: check
                    image: {{{OneNodeCluster.ImageRepository}}}/{{{image}}}:{{{ChartAppVersion()}}}
                    imagePullPolicy: Never
                    command: ["sh", "-c", {{{System.Text.Json.JsonSerializer.Serialize(check)}}}]
                    securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
                """, "-n", ns);
            await Eventually.WaitUntil(async () => (await cluster.GetJsonAsync("-n", ns, "get", "pod", "check")).GetProperty("status").GetProperty("phase").GetString() is "Succeeded" or "Failed",
                $"the {image} check pod to finish", TimeSpan.FromMinutes(2), cluster.Diagnostics);
            var logs = await cluster.Kubectl.RunAsync("-n", ns, "logs", "check");
            var phase = (await cluster.GetJsonAsync("-n", ns, "get", "pod", "check")).GetProperty("status").GetProperty("phase").GetString();
            Assert.True(phase == "Succeeded" && logs.Output.Contains("image-ok", StringComparison.Ordinal), $"{image}: {phase}\n{logs}\n{await cluster.Kubectl.RunAsync("-n", ns, "describe", "pod", "check")}");

            if (image == "etlctl")
            {
                await cluster.Kubectl.MustAsync("-n", ns, "run", "etlctl", "--restart=Never", $"--image={OneNodeCluster.ImageRepository}/etlctl:{ChartAppVersion()}",
                    "--image-pull-policy=Never", "--", "--help");
                await Eventually.WaitUntil(async () => (await cluster.GetJsonAsync("-n", ns, "get", "pod", "etlctl")).GetProperty("status").GetProperty("phase").GetString() == "Succeeded",
                    "etlctl --help in its image to succeed", TimeSpan.FromMinutes(2), cluster.Diagnostics);
                Assert.Contains("etlctl drives ETL Router", await cluster.Kubectl.MustAsync("-n", ns, "logs", "etlctl"), StringComparison.Ordinal);
            }
        }
        finally
        {
            await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false");
        }
    }

    private static string ChartAppVersion() =>
        File.ReadLines(Path.Combine(Helm.ChartPath, "Chart.yaml")).First(l => l.StartsWith("appVersion:", StringComparison.Ordinal)).Split(':', 2)[1].Trim().Trim('"');

    [Fact]
    public async Task The_validating_webhook_answers_the_api_server_through_its_service()
    {
        cluster.Require();
        var ns = $"webhook-{Random.Shared.Next(1000, 9999)}";
        await cluster.Kubectl.MustAsync("create", "namespace", ns);
        try
        {
            // A pipeline whose graph has a cycle (b -> c -> b) is refused by the webhook, before it is stored.
            var refused = await cluster.Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], """
                apiVersion: etl.router/v1
                kind: EtlPipeline
                metadata: {name: cycle}
                spec:
                  stages:
                    - {name: a, source: s}
                    - {name: b, transform: t, inputs: [a, c]}
                    - {name: c, transform: t, inputs: [b]}
                    - {name: d, sink: k, inputs: [c]}
                """);
            Assert.False(refused.Succeeded, $"the webhook let a pipeline with a cycle through: {refused}");
            Assert.Contains("admission webhook", refused.Errors, StringComparison.Ordinal);
            Assert.Contains("denied the request", refused.Errors, StringComparison.Ordinal);
            Assert.Contains("cycle", refused.Errors, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false");
        }
    }
}
