using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Schema;
using EtlRouter.Pipelines.Definitions;

namespace EtlRouter.Entities.Resources;

/// <summary>What happens to a record that keeps failing.</summary>
public sealed class DeadLetterSpec
{
    // The defaults live in Pipelines (the router resolves them too); the schema shows them from there.
    public const int MaxRetriesLimit = PipelineDefaults.MaxRetriesLimit;
    public const int DefaultMaxRetries = PipelineDefaults.DefaultMaxRetries;
    public const string DefaultRetention = PipelineDefaults.DefaultDeadLetterRetention;
    public const int DefaultMaxRecords = PipelineDefaults.DefaultDeadLetterMaxRecords;

    [JsonPropertyName("enabled")]
    [Description("Capture records that still fail after maxRetries in the dead letter queue. When false, such a record stops its pipeline's progress until it succeeds.")]
    [Default(true)]
    public bool? Enabled { get; set; }

    [JsonPropertyName("maxRetries")]
    [Description("Retries (with exponential backoff) before a record is dead-lettered, 0 to 100.")]
    [RangeMinimum(0)]
    [RangeMaximum(MaxRetriesLimit)]
    [Default(DefaultMaxRetries)]
    public int? MaxRetries { get; set; }

    [JsonPropertyName("retention")]
    [Description("How long dead letters are kept, as a duration such as 30m, 24h or 7d.")]
    [Pattern(DurationText.Pattern)]
    [Default(DefaultRetention)]
    public string? Retention { get; set; }

    [JsonPropertyName("maxRecords")]
    [Description("At most this many dead letters are kept for the pipeline; the oldest go first.")]
    [RangeMinimum(1)]
    [RangeMaximum(1_000_000)]
    [Default(DefaultMaxRecords)]
    public int? MaxRecords { get; set; }
}
