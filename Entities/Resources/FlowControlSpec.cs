using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Schema;
using EtlRouter.Pipelines.Definitions;

namespace EtlRouter.Entities.Resources;

/// <summary>Credit budgets: how much may be in flight on each edge of the pipeline.</summary>
public sealed class FlowControlSpec
{
    // The defaults live in Pipelines once: the CRD schema, the validators, the operator and the router read them.
    public const int DefaultMaxInFlight = PipelineDefaults.DefaultMaxInFlight;
    public const long DefaultMaxInFlightBytes = PipelineDefaults.DefaultMaxInFlightBytes;
    public const int DefaultBatchSize = PipelineDefaults.DefaultBatchSize;

    [JsonPropertyName("maxInFlight")]
    [Description("Records a sender may have sent but not yet credited back, per edge.")]
    [RangeMinimum(1)]
    [RangeMaximum(1_000_000)]
    [Default(DefaultMaxInFlight)]
    public int? MaxInFlight { get; set; }

    [JsonPropertyName("maxInFlightBytes")]
    [Description("Bytes a sender may have in flight per edge.")]
    [RangeMinimum(1024)]
    [RangeMaximum(1_073_741_824)]
    [Default(DefaultMaxInFlightBytes)]
    public long? MaxInFlightBytes { get; set; }

    [JsonPropertyName("batchSize")]
    [Description("Most records in one batch; no more than maxInFlight.")]
    [RangeMinimum(1)]
    [RangeMaximum(10_000)]
    [Default(DefaultBatchSize)]
    public int? BatchSize { get; set; }
}
