using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Schema;

namespace EtlRouter.Entities.Resources;

/// <summary>
/// A pipeline in one of two forms. Linear: <c>source</c>, <c>steps</c>, <c>sink</c>. Graph: <c>stages</c> with
/// <c>inputs</c> for fan-in and fan-out. The linear form is sugar for the graph form.
/// </summary>
public sealed class PipelineSpec
{
    [JsonPropertyName("source")]
    [Description("Linear form: name of the EtlSource records come from.")]
    [Length(1, 253)]
    public string? Source { get; set; }

    [JsonPropertyName("steps")]
    [Description("Linear form: names of EtlTransforms records pass through, in order.")]
    [Items(minItems: 1, maxItems: 64)]
    public IList<string>? Steps { get; set; }

    [JsonPropertyName("sink")]
    [Description("Linear form: name of the EtlSink records go to.")]
    [Length(1, 253)]
    public string? Sink { get; set; }

    [JsonPropertyName("stages")]
    [Description("Graph form: the stages and their inputs. Use instead of source/steps/sink.")]
    [Items(minItems: 2, maxItems: 128)]
    public IList<PipelineStageSpec>? Stages { get; set; }

    [JsonPropertyName("unmatched")]
    [Description("Where a record goes when conditional edges leave it no output: DeadLetter (the default; it is kept, with an error naming the stage and its conditions, and can be replayed) or Drop (acknowledged and discarded, like a filter).")]
    [Default("DeadLetter")]
    public UnmatchedRecords? Unmatched { get; set; }

    [JsonPropertyName("routerCluster")]
    [Description("The EtlRouterCluster that runs this pipeline: NAME (in the pipeline's namespace) or NAMESPACE/NAME. Unset: the one the operator was installed with.")]
    [Pattern("^([a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    [Length(1, 127)]
    public string? RouterCluster { get; set; }

    [JsonPropertyName("dlq")]
    [Description("Retries and the dead letter queue.")]
    public DeadLetterSpec? Dlq { get; set; }

    [JsonPropertyName("flowControl")]
    [Description("Credit budgets per edge.")]
    public FlowControlSpec? FlowControl { get; set; }

    [JsonPropertyName("lifecycle")]
    [Description("Draining on deletion.")]
    public LifecycleSpec? Lifecycle { get; set; }
}
