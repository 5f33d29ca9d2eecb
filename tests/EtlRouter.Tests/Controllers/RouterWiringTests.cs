using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Router;
using EtlRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static EtlRouter.Tests.Support.OperatorHarness;

namespace EtlRouter.Tests.Controllers;

/// <summary>
/// One router per install, found by name: with no ROUTER_ENDPOINT, a pipeline runs on its spec.routerCluster or the
/// install's EtlRouterCluster, waits (RouterClusterNotFound) until that exists, and is then pushed to its client
/// Service (here the template points every cluster's Service at the in-test router).
/// </summary>
public sealed class RouterWiringTests
{
    private static async Task<OperatorHarness> StartByNameAsync()
    {
        var h = await StartAsync(startOperator: false);
        await h.StartOperatorAsync("by-name", services => services.AddSingleton(new RouterSettings
        {
            Cluster = "etl-system/etl-router",
            ClusterEndpointTemplate = h.RouterAddress,
            CallTimeout = TimeSpan.FromSeconds(2),
            StatusRefresh = TimeSpan.FromSeconds(1),
        }.WithTestTls()));
        h.Router.Serve(StageKind.Source, "src", "sc-1", "pod-1");
        h.Router.Serve(StageKind.Sink, "dst", "sc-1", "pod-1");
        await h.CreateAsync(Source("src"));
        await h.CreateAsync(Sink("dst"));
        return h;
    }

    [Fact]
    public async Task A_pipeline_waits_for_the_installs_router_cluster_and_runs_once_it_exists()
    {
        await using var h = await StartByNameAsync();
        await h.CreateAsync(Linear("early", "src", [], "dst"));

        var waiting = await h.WaitForReadyReason("early", ConditionReasons.RouterClusterNotFound);
        Assert.Contains("EtlRouterCluster etl-system/etl-router does not exist", waiting.Status.Find(ConditionTypes.Ready)!.Message, StringComparison.Ordinal);
        Assert.False(h.Router.Pipelines.ContainsKey("default/early"));

        await h.CreateAsync(new EtlRouterCluster { Metadata = new() { Name = "etl-router" } }, "etl-system");
        await h.WaitForReadyReason("early", ConditionReasons.Running);
        Assert.True(h.Router.Pipelines.ContainsKey("default/early"));
    }

    [Fact]
    public async Task A_pipeline_that_names_another_router_cluster_waits_for_that_one()
    {
        await using var h = await StartByNameAsync();
        await h.CreateAsync(new EtlRouterCluster { Metadata = new() { Name = "etl-router" } }, "etl-system");
        var pipeline = Linear("elsewhere", "src", [], "dst");
        pipeline.Spec.RouterCluster = "team-router";
        await h.CreateAsync(pipeline);

        var waiting = await h.WaitForReadyReason("elsewhere", ConditionReasons.RouterClusterNotFound);
        Assert.Contains("default/team-router", waiting.Status.Find(ConditionTypes.Ready)!.Message, StringComparison.Ordinal);
        Assert.Contains("spec.routerCluster", waiting.Status.Find(ConditionTypes.Ready)!.Message, StringComparison.Ordinal);

        await h.CreateAsync(new EtlRouterCluster { Metadata = new() { Name = "team-router" } });
        await h.WaitForReadyReason("elsewhere", ConditionReasons.Running);
    }
}
