using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Graph;
using EtlRouter.Entities.Resources;
using EtlRouter.Entities.Validation;
using UnmatchedRecords = EtlRouter.Entities.Resources.UnmatchedRecords;

namespace EtlRouter.RouterRuntime.GraphQL;

/// <summary>
/// createPipeline's input as an EtlPipeline, checked by the same validator and graph compiler as the operator and
/// its admission webhook, and built into a definition by the same builder. Its services are named directly, so
/// each stage's service is the name it gives. Errors name input fields (input.steps[1]), not spec fields.
/// </summary>
internal static class PipelineInputCompiler
{
    public static (PipelineDefinition? Definition, IReadOnlyList<FieldError> Errors) Compile(PipelineInput input)
    {
        UnmatchedRecords? unmatched = null;
        if (input.Unmatched is not null)
        {
            if (!Enum.TryParse<UnmatchedRecords>(input.Unmatched, ignoreCase: false, out var parsed) || !Enum.IsDefined(parsed) || char.IsDigit(input.Unmatched[0]))
                return (null, [new FieldError("input.unmatched", $"'{input.Unmatched}' is not a choice; use DeadLetter (keep such records in the dead letter queue) or Drop")]);
            unmatched = parsed;
        }

        var pipeline = new EtlPipeline
        {
            Metadata = new() { Name = input.Name, NamespaceProperty = input.Namespace ?? "default", Generation = 1 },
            Spec = new PipelineSpec
            {
                Source = input.Source,
                Steps = input.Steps,
                Sink = input.Sink,
                Stages = input.Stages?.Select(s => new PipelineStageSpec
                {
                    Name = s.Name, Source = s.Source, Transform = s.Transform, Sink = s.Sink, Inputs = s.Inputs, Replicas = s.Replicas,
                    When = s.When?.GroupBy(w => w.Input).ToDictionary(g => g.Key, g => g.Last().Condition),
                }).ToList(),
                Unmatched = unmatched,
                Dlq = input.MaxRetries is { } retries ? new DeadLetterSpec { MaxRetries = retries } : null,
                FlowControl = input.MaxInFlight is not null || input.BatchSize is not null
                    ? new FlowControlSpec { MaxInFlight = input.MaxInFlight, BatchSize = input.BatchSize }
                    : null,
            },
        };

        var issues = EntityValidator.Validate(pipeline).ToList();
        var compilation = PipelineGraphCompiler.Compile(pipeline.Spec);
        issues.AddRange(compilation.Issues.Where(i => !issues.Contains(i)));
        if (issues.Count > 0 || compilation.Graph is null)
            return (null, issues.Select(i => new FieldError(InputPath(i.Path), i.Message)).ToList());

        var services = compilation.Graph.Stages.ToDictionary(s => s.Name, s => Service(s.Kind, s.ServiceRef));
        return (PipelineDefinitionBuilder.Build(pipeline, compilation.Graph, services), []);
    }

    private static IServiceEntity Service(ServiceKind kind, string name) => kind switch
    {
        ServiceKind.Source => new EtlSource { Metadata = new() { Name = name } },
        ServiceKind.Transform => new EtlTransform { Metadata = new() { Name = name } },
        _ => new EtlSink { Metadata = new() { Name = name } },
    };

    /// <summary>spec.steps[1] is input.steps[1]; metadata.name is input.name; dlq and flowControl are flat here.</summary>
    private static string InputPath(string path) => path switch
    {
        "metadata.name" => "input.name",
        "metadata.namespace" => "input.namespace",
        "spec.dlq.maxRetries" => "input.maxRetries",
        "spec.flowControl.maxInFlight" => "input.maxInFlight",
        "spec.flowControl.batchSize" => "input.batchSize",
        _ when path.StartsWith("spec.", StringComparison.Ordinal) => "input." + path["spec.".Length..],
        "spec" => "input",
        _ => path,
    };
}
