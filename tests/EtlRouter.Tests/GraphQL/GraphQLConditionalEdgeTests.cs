using System.Text.Json;
using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using Grpc.Core;
using Xunit;

namespace EtlRouter.Tests.GraphQL;

/// <summary>
/// Conditional edges through the router's own entry points: createPipeline takes `when` and `unmatched`, refuses a
/// condition that does not parse with the stage and position, and the pipeline's edges show their conditions;
/// GetServiceBacklog refuses what it cannot answer.
/// </summary>
public sealed class GraphQLConditionalEdgeTests
{
    [Fact]
    public async Task CreatePipeline_takes_conditions_refuses_broken_ones_and_edges_show_them()
    {
        await using var cluster = await RouterCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        using var client = new GraphQLClient(node.HttpPort);

        var created = await client.DataAsync("""
            mutation {
              createPipeline(input: {name: "routed", unmatched: "Drop", stages: [
                {name: "in", source: "orders"},
                {name: "eu", sink: "eu-sink", inputs: ["in"], when: [{input: "in", condition: "country == 'DE' or tag 'eu'"}]},
                {name: "rest", sink: "rest-sink", inputs: ["in"], when: [{input: "in", condition: "not (country == 'DE' or tag 'eu')"}]}]}) {
                success pipelineId errors { field message }
              }
            }
            """);
        Assert.True(created.GetProperty("createPipeline").GetProperty("success").GetBoolean(), created.ToString());
        var stored = await node.ControlPlane.GetPipelineAsync(new GetPipelineRequest { Ref = new PipelineRef { Namespace = "default", Name = "routed" } });
        Assert.Equal(UnmatchedRecords.Drop, stored.Definition.Unmatched);
        Assert.Equal("country == 'DE' or tag 'eu'", stored.Definition.Stages.Single(s => s.Name == "eu").InputConditions["in"]);

        var edges = (await client.DataAsync("""{ pipeline(id: "default/routed") { edges { from to condition } } }"""))
            .GetProperty("pipeline").GetProperty("edges").EnumerateArray()
            .ToDictionary(e => e.GetProperty("to").GetString()!, e => e.GetProperty("condition").GetString());
        Assert.Equal("country == 'DE' or tag 'eu'", edges["eu"]);
        Assert.Equal("not (country == 'DE' or tag 'eu')", edges["rest"]);

        var broken = await client.DataAsync("""
            mutation {
              createPipeline(input: {name: "broken", unmatched: "Keep", stages: [
                {name: "in", source: "orders"},
                {name: "eu", sink: "eu-sink", inputs: ["in"], when: [{input: "in", condition: "country = 'DE'"}]}]}) {
                success errors { field message }
              }
            }
            """);
        var errors = broken.GetProperty("createPipeline").GetProperty("errors").EnumerateArray().ToDictionary(e => e.GetProperty("field").GetString()!, e => e.GetProperty("message").GetString()!);
        Assert.Contains("'Keep' is not a choice; use DeadLetter", errors["input.unmatched"], StringComparison.Ordinal);

        var badCondition = await client.DataAsync("""
            mutation {
              createPipeline(input: {name: "broken", stages: [
                {name: "in", source: "orders"},
                {name: "eu", sink: "eu-sink", inputs: ["in"], when: [{input: "in", condition: "country = 'DE'"}]}]}) {
                success errors { field message }
              }
            }
            """);
        var error = Assert.Single(badCondition.GetProperty("createPipeline").GetProperty("errors").EnumerateArray());
        Assert.Equal("input.stages[1].when.in", error.GetProperty("field").GetString());
        Assert.Equal("the condition on input 'in' of stage 'eu' does not parse, at character 9 of \"country = 'DE'\": '=' is not an operator; compare with ==", error.GetProperty("message").GetString());

        // The backlog read names what it cannot answer.
        var source = await Assert.ThrowsAsync<RpcException>(async () => await node.ControlPlane.GetServiceBacklogAsync(new GetServiceBacklogRequest { Kind = StageKind.Source, Service = "orders", Namespace = "default" }));
        Assert.Equal(StatusCode.InvalidArgument, source.StatusCode);
        Assert.StartsWith("kind: Source; only TRANSFORM and SINK", source.Status.Detail, StringComparison.Ordinal);
        var unnamed = await Assert.ThrowsAsync<RpcException>(async () => await node.ControlPlane.GetServiceBacklogAsync(new GetServiceBacklogRequest { Kind = StageKind.Sink, Namespace = "default" }));
        Assert.StartsWith("service: empty", unnamed.Status.Detail, StringComparison.Ordinal);
        var idle = await node.ControlPlane.GetServiceBacklogAsync(new GetServiceBacklogRequest { Kind = StageKind.Sink, Service = "eu-sink", Namespace = "default" });
        Assert.Equal(1u, idle.Stages);
        Assert.Equal(0ul, idle.Backlog);
        Assert.Null(idle.ReportedAt);
    }
}
