using EtlRouter.Entities.Graph;
using EtlRouter.Entities.Resources;
using EtlRouter.Pipelines.Graph;
using Xunit;

namespace EtlRouter.Tests.Entities;

public sealed class PipelineGraphCompilerTests
{
    [Fact]
    public void Linear_form_compiles_to_the_same_dag_as_its_graph_form()
    {
        var linear = Compile(new PipelineSpec { Source = "kafka-users", Steps = ["filter-active", "mask-pii"], Sink = "clickhouse" });
        var graph = Compile(new PipelineSpec
        {
            Stages =
            [
                new() { Name = "kafka-users", Source = "kafka-users" },
                new() { Name = "filter-active", Transform = "filter-active", Inputs = ["kafka-users"] },
                new() { Name = "mask-pii", Transform = "mask-pii", Inputs = ["filter-active"] },
                new() { Name = "clickhouse", Sink = "clickhouse", Inputs = ["mask-pii"] },
            ],
        });

        Assert.True(linear.Succeeded);
        Assert.True(graph.Succeeded);
        Assert.Equal(Describe(graph.Graph!), Describe(linear.Graph!));
        Assert.Equal(["kafka-users->filter-active", "filter-active->mask-pii", "mask-pii->clickhouse"], linear.Graph!.Edges.Select(e => e.ToString()));
    }

    [Fact]
    public void Fan_in_and_fan_out_are_ordered_sources_first()
    {
        var result = Compile(new PipelineSpec
        {
            Stages =
            [
                new() { Name = "archive", Sink = "files", Inputs = ["mask"] },
                new() { Name = "mask", Transform = "mask-pii", Inputs = ["users", "orders"] },
                new() { Name = "users", Source = "kafka-users" },
                new() { Name = "orders", Source = "http-orders" },
                new() { Name = "analytics", Sink = "clickhouse", Inputs = ["mask"] },
            ],
        });

        Assert.True(result.Succeeded, string.Join("; ", result.Issues));
        var order = result.Graph!.Stages.Select(s => s.Name).ToList();
        Assert.True(order.IndexOf("users") < order.IndexOf("mask"));
        Assert.True(order.IndexOf("orders") < order.IndexOf("mask"));
        Assert.True(order.IndexOf("mask") < order.IndexOf("archive"));
        Assert.Equal(["analytics", "archive"], result.Graph.Outputs("mask").Select(s => s.Name).Order());
    }

    [Fact]
    public void A_transform_used_twice_in_the_linear_form_gets_distinct_stage_names()
    {
        var result = Compile(new PipelineSpec { Source = "s", Steps = ["t", "t"], Sink = "t" });
        Assert.True(result.Succeeded);
        Assert.Equal(["s", "t", "t-2", "t-3"], result.Graph!.Stages.Select(s => s.Name));
    }

    [Fact]
    public void A_cycle_is_reported_in_the_direction_records_flow()
    {
        var result = Compile(new PipelineSpec
        {
            Stages =
            [
                new() { Name = "in", Source = "s" },
                new() { Name = "a", Transform = "t", Inputs = ["in", "c"] },
                new() { Name = "b", Transform = "t", Inputs = ["a"] },
                new() { Name = "c", Transform = "t", Inputs = ["b"] },
                new() { Name = "out", Sink = "k", Inputs = ["c"] },
            ],
        });

        var issue = Assert.Single(result.Issues);
        Assert.Contains("cycle a -> b -> c -> a", issue.Message);
    }

    private static string Describe(PipelineGraph graph) =>
        string.Join(";", graph.Stages.Select(s => $"{s.Name}:{s.Kind}:{s.ServiceRef}:{string.Join(",", s.Inputs)}"));

    /// <summary>A custom resource's spec, read as the operator reads it.</summary>
    private static GraphCompilation Compile(PipelineSpec spec) => PipelineGraphCompiler.Compile(spec.ToForm());
}
