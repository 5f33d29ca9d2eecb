using EtlRouter.E2E.Targets;
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
        var claims = await cluster.GetJsonAsync("-n", Ns, "get", "pvc", "-l", "app.kubernetes.io/name=etl-router");
        var bound = claims.GetProperty("items").EnumerateArray()
            .Where(c => c.GetProperty("status").GetProperty("phase").GetString() == "Bound")
            .Select(c => c.GetProperty("spec").GetProperty("volumeName").GetString())
            .ToList();
        Assert.Equal(3, bound.Distinct().Count());

        // `kubectl describe` and `kubectl logs` work as documented.
        var described = await cluster.Kubectl.MustAsync("-n", Ns, "describe", "etlroutercluster", "etl-router");
        Assert.Contains("Ready", described, StringComparison.Ordinal);
        var logs = await cluster.Kubectl.MustAsync("-n", Ns, "logs", "etl-router-0", "--tail=200");
        Assert.Contains("Raft node 0", logs, StringComparison.Ordinal);
    }

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
