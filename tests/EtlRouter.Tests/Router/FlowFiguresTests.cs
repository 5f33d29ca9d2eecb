using System.Text.RegularExpressions;
using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using Google.Protobuf.WellKnownTypes;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>
/// Flow figures stay off the log: a report sent to a follower is handed to the leader, which shares it with every
/// node outside Raft; each node then shows it, and no log entry carries it.
/// </summary>
public sealed partial class FlowFiguresTests
{
    [Fact]
    public async Task A_report_sent_to_one_follower_shows_on_every_node_without_a_log_entry()
    {
        await using var cluster = await RouterCluster.StartAsync(3, new() { ["SIDECAR_LEASE_SECONDS"] = "120" });
        try
        {
            var follower = await cluster.FollowerAsync();
            var all = new[] { (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files") };
            await follower.Registry.RegisterAsync(RouterTestData.Sidecar("alpha", all));
            var applied = await follower.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear("flowing") });

            var pipeline = new PipelineRef { Namespace = "default", Name = "flowing" };
            await follower.Coordinator.ReportFlowAsync(new FlowReport
            {
                SidecarId = "alpha",
                At = Timestamp.FromDateTime(DateTime.UtcNow),
                Stages = { new StageFlow { Pipeline = pipeline, Stage = "transform", RecordsIn = 4242, RecordsOut = 4240 } },
            });

            foreach (var node in cluster.Nodes)
            {
                await Eventually.WaitUntil(async () =>
                {
                    var state = await node.ControlPlane.GetPipelineAsync(new GetPipelineRequest { Ref = pipeline }, RouterTestData.MinIndex(applied.CommitIndex));
                    return state.Stages.Single(s => s.Name == "transform").RecordsIn == 4242;
                }, $"node {node.NodeId} showing the report", TimeSpan.FromSeconds(20));
            }

            // No node applied a flow command: the figures never went through the log.
            using var http = new HttpClient(TestCertificates.Handler());
            foreach (var node in cluster.Nodes)
            {
                var metrics = await http.GetStringAsync($"{node.HttpAddress}/metrics", TestContext.Current.CancellationToken);
                Assert.DoesNotMatch(FlowCommands(), metrics);
            }
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(cluster.Diagnostics(), e);
        }
    }

    [GeneratedRegex("etl_router_commands_applied_total\\{[^}]*type=\"RecordFlow\"")]
    private static partial Regex FlowCommands();
}
