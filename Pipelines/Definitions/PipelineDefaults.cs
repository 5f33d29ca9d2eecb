namespace EtlRouter.Pipelines.Definitions;

/// <summary>
/// What a pipeline gets for a flow-control or dead-letter setting it does not set. "Not set" is null in the custom
/// resource and 0 in the router's PipelineDefinition (proto3 has no null): the operator, the router's credit
/// budgets and its dead-letter store all resolve it here, so a pipeline applied by etlctl straight to a router
/// behaves like one applied through the operator. The CRD's schema documents these same constants.
/// </summary>
public static class PipelineDefaults
{
    public const int DefaultMaxInFlight = 1000;
    public const long DefaultMaxInFlightBytes = 8_388_608;
    public const int DefaultBatchSize = 100;
    public const int DefaultMaxRetries = 3;
    public const int MaxRetriesLimit = 100;
    public const string DefaultDeadLetterRetention = "168h";
    public const int DefaultDeadLetterMaxRecords = 10_000;
    public const int DefaultTimeoutSeconds = 30;

    public static readonly TimeSpan DeadLetterRetentionDefault =
        DurationText.TryParse(DefaultDeadLetterRetention, out var retention) ? retention : TimeSpan.FromDays(7);

    public static long MaxInFlight(long? set) => set is > 0 ? set.Value : DefaultMaxInFlight;

    public static long MaxInFlightBytes(long? set) => set is > 0 ? set.Value : DefaultMaxInFlightBytes;

    public static long BatchSize(long? set) => set is > 0 ? set.Value : DefaultBatchSize;

    public static long DeadLetterMaxRecords(long? set) => set is > 0 ? set.Value : DefaultDeadLetterMaxRecords;

    public static TimeSpan DeadLetterRetention(TimeSpan? set) => set > TimeSpan.Zero ? set.Value : DeadLetterRetentionDefault;
}
