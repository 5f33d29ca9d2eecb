using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using Grpc.Core;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>Sidecars through the real registry and coordinator APIs of a three-node cluster.</summary>
public sealed class SidecarLeaseTests
{
    [Fact]
    public async Task A_sidecar_that_stops_heartbeating_loses_its_stages_to_another_after_its_lease()
    {
        await using var cluster = await RouterCluster.StartAsync(3, new() { ["SIDECAR_LEASE_SECONDS"] = "2" });
        var all = new[] { (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files") };
        var node = await cluster.FollowerAsync();
        var registration = await node.Registry.RegisterAsync(RouterTestData.Sidecar("alpha", all));
        Assert.Equal(2u, registration.LeaseSeconds);
        await node.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear("leased") });

        var alphaOnly = await Eventually.WaitFor(async () =>
        {
            var state = await node.ControlPlane.GetPipelineAsync(new GetPipelineRequest { Ref = new PipelineRef { Namespace = "default", Name = "leased" } });
            return state.Stages.All(s => s.Assignments.Count == 1 && s.Assignments[0].SidecarId == "alpha") ? state : null;
        }, "every stage on alpha");
        var firstEpoch = alphaOnly.Stages.Max(s => s.Assignments[0].Epoch);

        // alpha's assignment stream, read from another node.
        using var watch = cluster.Nodes[0].Coordinator.WatchAssignments(new WatchAssignmentsRequest { SidecarId = "alpha" });
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(3, watch.ResponseStream.Current.Stages.Count);
        Assert.All(watch.ResponseStream.Current.Stages, s => Assert.NotNull(s.InputBudget));

        // beta joins (no churn: alpha keeps the stages) and keeps heartbeating; alpha goes quiet.
        await node.Registry.RegisterAsync(RouterTestData.Sidecar("beta", all));
        using var heartbeats = new CancellationTokenSource();
        var beating = Task.Run(async () =>
        {
            while (!heartbeats.IsCancellationRequested)
            {
                try
                {
                    await node.Registry.HeartbeatAsync(new HeartbeatRequest { SidecarId = "beta" }, cancellationToken: heartbeats.Token);
                    await Task.Delay(300, heartbeats.Token);
                }
                catch (Exception) when (heartbeats.IsCancellationRequested)
                {
                }
            }
        });

        var moved = await Eventually.WaitFor(async () =>
        {
            var state = await node.ControlPlane.GetPipelineAsync(new GetPipelineRequest { Ref = new PipelineRef { Namespace = "default", Name = "leased" } });
            return state.Stages.All(s => s.Assignments.Count == 1 && s.Assignments[0].SidecarId == "beta") ? state : null;
        }, "every stage moved to beta", TimeSpan.FromSeconds(15));
        Assert.All(moved.Stages, s => Assert.True(s.Assignments[0].Epoch > firstEpoch));

        // alpha's stream says it is no longer registered and runs nothing.
        await Eventually.WaitUntil(async () =>
        {
            Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
            return !watch.ResponseStream.Current.Registered && watch.ResponseStream.Current.Stages.Count == 0;
        }, "alpha told it lost its stages");

        var late = await Assert.ThrowsAsync<RpcException>(async () => await node.Registry.HeartbeatAsync(new HeartbeatRequest { SidecarId = "alpha" }));
        Assert.Equal(StatusCode.NotFound, late.StatusCode);

        await heartbeats.CancelAsync();
        await beating;
    }
}
