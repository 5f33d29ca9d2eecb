namespace EtlRouter.Entities.Resources;

/// <summary>
/// What a pipeline gets for a flow-control or dead-letter setting it does not set. "Not set" is null in the custom
/// resource and 0 in the router's PipelineDefinition (proto3 has no null): the operator, the router's credit
/// budgets and its dead-letter store all resolve it here, so a pipeline applied by etlctl straight to a router
/// behaves like one applied through the operator. The values are the ones the CRD documents.
/// </summary>
public static class PipelineDefaults
{
    public static readonly TimeSpan DeadLetterRetentionDefault =
        DurationText.TryParse(DeadLetterSpec.DefaultRetention, out var retention) ? retention : TimeSpan.FromDays(7);

    public static long MaxInFlight(long? set) => set is > 0 ? set.Value : FlowControlSpec.DefaultMaxInFlight;

    public static long MaxInFlightBytes(long? set) => set is > 0 ? set.Value : FlowControlSpec.DefaultMaxInFlightBytes;

    public static long BatchSize(long? set) => set is > 0 ? set.Value : FlowControlSpec.DefaultBatchSize;

    public static long DeadLetterMaxRecords(long? set) => set is > 0 ? set.Value : DeadLetterSpec.DefaultMaxRecords;

    public static TimeSpan DeadLetterRetention(TimeSpan? set) => set > TimeSpan.Zero ? set.Value : DeadLetterRetentionDefault;
}
