using EtlRouter.Contracts.V1;
using EtlRouter.Pipelines.Definitions;
using EtlRouter.Pipelines.Graph;
using EtlRouter.Pipelines.Rules;

namespace EtlRouter.RouterRuntime.GraphQL;

/// <summary>
/// createPipeline's input, checked by the same rules as an EtlPipeline in the operator and its admission webhook
/// (Pipelines: the graph compiler, names, settings) and built into a definition by the same builder. Its services
/// are named directly, so each stage's service is the name it gives. Errors name input fields (input.steps[1]),
/// not spec fields.
/// </summary>
internal static class PipelineInputCompiler
{
    public static (PipelineDefinition? Definition, IReadOnlyList<FieldError> Errors) Compile(PipelineInput input)
    {
        var dropUnmatched = false;
        if (input.Unmatched is not null)
        {
            if (input.Unmatched is not ("DeadLetter" or "Drop"))
                return (null, [new FieldError("input.unmatched", $"'{input.Unmatched}' is not a choice; use DeadLetter (keep such records in the dead letter queue) or Drop")]);
            dropUnmatched = input.Unmatched == "Drop";
        }

        var form = new PipelineForm(
            input.Source,
            input.Steps?.ToList(),
            input.Sink,
            input.Stages?.Select(s => new StageForm(
                s.Name, s.Source, s.Transform, s.Sink, s.Inputs?.ToList(),
                s.When?.GroupBy(w => w.Input).ToDictionary(g => g.Key, g => g.Last().Condition, StringComparer.Ordinal), s.Replicas)).ToList());

        var issues = new List<ValidationIssue>();
        ResourceNames.Check(input.Name, "metadata.name", issues);
        var compilation = PipelineGraphCompiler.Compile(form);
        issues.AddRange(compilation.Issues);
        PipelineSettingsRules.CheckStageNames(form, issues);
        PipelineSettingsRules.CheckDeadLetters(input.MaxRetries, retention: null, maxRecords: null, issues);
        PipelineSettingsRules.CheckFlowControl(input.MaxInFlight, maxInFlightBytes: null, input.BatchSize, issues);
        if (issues.Count > 0 || compilation.Graph is null)
            return (null, issues.Select(i => new FieldError(InputPath(i.Path), i.Message)).ToList());

        var settings = new PipelineSettings(
            new PipelineRef { Namespace = input.Namespace ?? "default", Name = input.Name },
            Generation: 1,
            MaxRetries: input.MaxRetries,
            MaxInFlight: input.MaxInFlight,
            BatchSize: input.BatchSize,
            DropUnmatched: dropUnmatched);
        var services = compilation.Graph.Stages.ToDictionary(s => s.Name, s => new StageService(s.ServiceRef), StringComparer.Ordinal);
        return (PipelineDefinitionBuilder.Build(settings, compilation.Graph, services), []);
    }

    /// <summary>spec.steps[1] is input.steps[1]; metadata.name is input.name; dlq and flowControl are flat here.</summary>
    private static string InputPath(string path) => path switch
    {
        "metadata.name" => "input.name",
        "spec.dlq.maxRetries" => "input.maxRetries",
        "spec.flowControl.maxInFlight" => "input.maxInFlight",
        "spec.flowControl.batchSize" => "input.batchSize",
        _ when path.StartsWith("spec.", StringComparison.Ordinal) => "input." + path["spec.".Length..],
        "spec" => "input",
        _ => path,
    };
}
