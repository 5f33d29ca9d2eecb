using EtlRouter.Contracts.V1;

namespace EtlRouter.Pipelines.Definitions;

/// <summary>A pipeline's settings beside its graph, as written: null where its author left one to the default.</summary>
public sealed record PipelineSettings(
    PipelineRef Ref,
    long Generation,
    bool? DeadLettersEnabled = null,
    int? MaxRetries = null,
    string? DeadLetterRetention = null,
    long? DeadLetterMaxRecords = null,
    long? MaxInFlight = null,
    long? MaxInFlightBytes = null,
    long? BatchSize = null,
    bool DropUnmatched = false);
