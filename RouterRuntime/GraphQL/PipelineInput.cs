using System.ComponentModel;
using GraphQL;

namespace EtlRouter.RouterRuntime.GraphQL;

/// <summary>
/// createPipeline's input: an EtlPipeline's spec, with services named directly (no Kubernetes objects to
/// resolve). Linear form (source, steps, sink) or graph form (stages).
/// </summary>
[Name("PipelineInput")]
internal sealed class PipelineInput
{
    public string Name { get; set; } = string.Empty;

    [Description("Default: default.")]
    public string? Namespace { get; set; }

    [Description("Linear form: the source service.")]
    public string? Source { get; set; }

    [Description("Linear form: the transform services, in order.")]
    public IList<string>? Steps { get; set; }

    [Description("Linear form: the sink service.")]
    public string? Sink { get; set; }

    [Description("Graph form: the stages and their inputs.")]
    public IList<StageInput>? Stages { get; set; }

    [Description("Retries before a record is dead-lettered (default 3).")]
    public int? MaxRetries { get; set; }

    [Description("Records in flight per edge (default 1000).")]
    public int? MaxInFlight { get; set; }

    [Description("Records per batch (default 100).")]
    public int? BatchSize { get; set; }

    [Description("Where a record goes that no conditional output takes: DeadLetter (default) or Drop.")]
    public string? Unmatched { get; set; }
}

[Name("StageInput")]
internal sealed class StageInput
{
    public string Name { get; set; } = string.Empty;

    [Description("Exactly one of source, transform, sink: the service this stage calls.")]
    public string? Source { get; set; }

    public string? Transform { get; set; }

    public string? Sink { get; set; }

    public IList<string>? Inputs { get; set; }

    [Description("Conditional edges: a condition per input, e.g. { input: \"classify\", condition: \"region == 'eu'\" }.")]
    public IList<InputCondition>? When { get; set; }

    public int? Replicas { get; set; }
}

[Name("InputCondition")]
internal sealed class InputCondition
{
    [Description("An input stage of this stage.")]
    public string Input { get; set; } = string.Empty;

    [Description("What a record from it must meet to reach this stage (the filter connector's expression language).")]
    public string Condition { get; set; } = string.Empty;
}

/// <summary>What createPipeline did; errors name the input field and the fix.</summary>
[Name("CreatePipelineResult")]
internal sealed record CreatePipelineResult(
    bool Success,
    [property: Description("namespace/name, when created.")] string? PipelineId,
    IReadOnlyList<FieldError> Errors);

[Name("FieldError")]
internal sealed record FieldError([property: Description("The input field, e.g. input.stages[1].inputs.")] string Field, string Message);

[Name("DeletePipelineResult")]
internal sealed record DeletePipelineResult(bool Existed);
