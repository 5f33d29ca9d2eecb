using System.Text.Json.Nodes;
using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Manifests;
using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Router;
using EtlRouter.Tests.Support;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static EtlRouter.Tests.Support.OperatorHarness;

namespace EtlRouter.Tests.Install;

/// <summary>
/// An install as the chart renders it, named as a user would name it (release namespace data-platform, router
/// cluster pipelines-router): the operator gets the chart's ROUTER_CLUSTER and nothing else about the router, the
/// chart's EtlRouterCluster is created, and a sample pipeline reaches that router. Real router processes on
/// 127.0.0.1 stand in for the cluster's pods (its client Service resolves to them).
/// </summary>
public sealed class ChartWiringTests
{
    [Fact]
    public async Task A_pipeline_reaches_the_router_cluster_the_chart_installs()
    {
        var rendered = await Helm.TemplateAsync("--namespace", "data-platform", "--set", "router.name=pipelines-router");
        var documents = YamlToJson.ReadDocuments(rendered, "helm template", ManifestLimits.Default).Select(d => d.Root).OfType<JsonObject>().ToList();
        var deployment = documents.Single(o => o["kind"]!.GetValue<string>() == "Deployment");
        var routerCluster = documents.Single(o => o["kind"]!.GetValue<string>() == "EtlRouterCluster");
        var env = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray()
            .Where(e => e!["value"] is not null)
            .ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]!.GetValue<string>());

        await using var routers = await RouterCluster.StartAsync(3);
        await using var h = await StartAsync(startOperator: false);
        await h.StartOperatorAsync("chart", services => services.AddSingleton(new RouterSettings
        {
            // What the chart's Deployment says, and the router's client Service as this machine reaches it.
            Cluster = env["ROUTER_CLUSTER"],
            ClusterEndpointTemplate = routers.Nodes[1].GrpcAddress,
            CallTimeout = TimeSpan.FromSeconds(5),
            StatusRefresh = TimeSpan.FromSeconds(1),
        }.WithTestTls()));

        await h.CreateAsync(Source("kafka-users"));
        await h.CreateAsync(Sink("clickhouse-analytics"));
        await h.CreateAsync(Linear("user-analytics", "kafka-users", [], "clickhouse-analytics"));
        await h.WaitForReadyReason("user-analytics", ConditionReasons.RouterClusterNotFound);

        // The chart's EtlRouterCluster, as helm would create it.
        var cluster = KubernetesJson.Deserialize<EtlRouterCluster>(routerCluster.ToJsonString());
        Assert.Equal("data-platform/pipelines-router", $"{cluster.Metadata.NamespaceProperty}/{cluster.Metadata.Name}");
        await h.CreateAsync(cluster, cluster.Metadata.NamespaceProperty);

        await h.WaitForReadyReason("user-analytics", ConditionReasons.StagesPending);
        var stored = await routers.Nodes[0].ControlPlane.GetPipelineAsync(
            new GetPipelineRequest { Ref = new PipelineRef { Namespace = "default", Name = "user-analytics" } },
            new Grpc.Core.Metadata { { EtlRouter.Contracts.RouterHeaders.MinIndex, (await routers.LeaderCommitIndexAsync()).ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        Assert.Equal(["kafka-users", "clickhouse-analytics"], stored.Definition.Stages.Select(s => s.Service));
        var applied = (await h.EventsFor("user-analytics")).Single(e => e.Reason == "Applied");
        Assert.Contains("router cluster data-platform/pipelines-router", applied.Message, StringComparison.Ordinal);
    }
}
