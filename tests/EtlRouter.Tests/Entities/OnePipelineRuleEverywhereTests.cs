using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Graph;
using EtlRouter.Entities.Manifests;
using EtlRouter.Entities.Resources;
using EtlRouter.Entities.Validation;
using EtlRouter.Operator.Webhooks;
using EtlRouter.Pipelines.Graph;
using EtlRouter.Pipelines.Rules;
using EtlRouter.RouterRuntime.Api;
using EtlRouter.Tests.Support;
using Grpc.Core;
using Xunit;

namespace EtlRouter.Tests.Entities;

/// <summary>
/// Every broken pipeline is refused the same way by every entry point: `etlctl validate` (the manifest reader),
/// the validating webhook and the reconciler (the entity validator), and the router's request validation, which
/// gets the same stages as a PipelineDefinition. One rule core (<see cref="PipelineGraphRules"/>) sits behind
/// all of them; this test fails the day one of them grows its own.
/// </summary>
public sealed class OnePipelineRuleEverywhereTests
{
    public static TheoryData<string> BrokenPipelines() =>
        new(BrokenManifest.All().Where(m => m.IsPipeline).Select(m => m.Name));

    [Theory]
    [MemberData(nameof(BrokenPipelines))]
    public void Every_entry_point_refuses_a_broken_pipeline_with_the_same_message(string file)
    {
        var manifest = BrokenManifest.All().Single(m => m.Name == file);
        var document = Assert.Single(ManifestReader.Read(manifest.Text, file));
        Assert.Contains(document.Issues, i => i.Path == manifest.ExpectPath && i.Message.Contains(manifest.Expect, StringComparison.Ordinal));
        if (document.Entity is not EtlPipeline pipeline)
            return; // the schema refused it before it could be read; no other entry point gets this far

        // The webhook and the reconciler (through the same validator the webhook calls). What only the schema refuses
        // (an unknown field) never reaches them: the API server (or kubectl) refuses or prunes it first.
        var semantic = EntityValidator.Validate(pipeline);
        if (semantic.Count == 0)
            return;
        Assert.Equal(Describe(semantic), Describe(PipelineAdmission.Issues(pipeline)));
        Assert.Contains(PipelineAdmission.Issues(pipeline), i => i.Path == manifest.ExpectPath && i.Message.Contains(manifest.Expect, StringComparison.Ordinal));

        // The router, sent the stages as they are declared (no compiler in between): the graph rules refuse the same.
        var readIssues = new List<ValidationIssue>();
        var stages = pipeline.Spec is null ? [] : PipelineGraphCompiler.ReadStages(pipeline.Spec.ToForm(), readIssues);
        if (readIssues.Count > 0 || stages.Count == 0)
            return; // the spec names no stages a definition could carry
        var graphIssues = new List<ValidationIssue>();
        var routerVerdict = Xunit.Record.Exception(() => RequestValidation.Pipeline(Definition(stages)));
        if (PipelineGraphRules.Check(stages, (_, i) => $"pipeline.stages[{i}]", "pipeline.stages", graphIssues) is not null)
        {
            Assert.Null(routerVerdict); // not a graph fault (a field's value): the router has no opinion on it
            return;
        }

        var refused = Assert.IsType<RpcException>(routerVerdict);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(graphIssues[0].ToString(), refused.Status.Detail);
        Assert.Contains(manifest.Expect, refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_router_refuses_a_dead_end_transform_as_the_compiler_does()
    {
        var definition = Definition(
        [
            new("in", ServiceKind.Source, "users", [], 1, "spec.stages[0]"),
            new("out", ServiceKind.Sink, "files", ["in"], 1, "spec.stages[1]"),
            new("orphan", ServiceKind.Transform, "mask", ["in"], 1, "spec.stages[2]"),
        ]);

        var refused = Assert.Throws<RpcException>(() => RequestValidation.Pipeline(definition));
        Assert.Equal("pipeline.stages[2]: the output of stage 'orphan' reaches no sink; add it to the inputs of a downstream stage or remove it", refused.Status.Detail);
    }

    private static PipelineDefinition Definition(IReadOnlyList<PipelineStage> stages)
    {
        var definition = new PipelineDefinition { Ref = new PipelineRef { Namespace = "default", Name = "broken" }, Generation = 1 };
        foreach (var stage in stages)
        {
            definition.Stages.Add(new StageDefinition
            {
                Name = stage.Name,
                Kind = stage.Kind switch { ServiceKind.Source => StageKind.Source, ServiceKind.Transform => StageKind.Transform, _ => StageKind.Sink },
                Service = stage.ServiceRef,
                Inputs = { stage.Inputs },
                Replicas = (uint)Math.Max(0, stage.Replicas),
                InputConditions = { (stage.Conditions ?? new Dictionary<string, string>()).ToDictionary() },
            });
        }

        return definition;
    }

    private static string Describe(IEnumerable<ValidationIssue> issues) => string.Join("\n", issues);
}
