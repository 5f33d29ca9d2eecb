using EtlRouter.Pipelines.Definitions;
using EtlRouter.Pipelines.Graph;

namespace EtlRouter.Pipelines.Rules;

/// <summary>
/// What a schema cannot check about a pipeline beside its graph: stage names, and the relations between its
/// dead-letter and flow-control settings. The custom resource's validator and GraphQL's createPipeline both call
/// this, so both say the same; paths name spec fields.
/// </summary>
public static class PipelineSettingsRules
{
    public static void CheckStageNames(PipelineForm form, List<ValidationIssue> issues)
    {
        for (var i = 0; i < (form.Stages?.Count ?? 0); i++)
        {
            if (form.Stages![i]?.Name is { } name && !ResourceNames.DnsLabel().IsMatch(name))
                issues.Add(new($"spec.stages[{i}].name", $"'{name}' is not a DNS label; use lowercase letters, digits and '-'"));
        }
    }

    public static void CheckDeadLetters(int? maxRetries, string? retention, long? maxRecords, List<ValidationIssue> issues)
    {
        if (maxRetries is < 0 or > PipelineDefaults.MaxRetriesLimit)
            issues.Add(new("spec.dlq.maxRetries", $"is {maxRetries}; use 0 to {PipelineDefaults.MaxRetriesLimit} retries"));
        if (retention is not null && !DurationText.TryParse(retention, out _))
            issues.Add(new("spec.dlq.retention", $"'{retention}' is not a duration; write it like 30m, 24h or 7d"));
        if (maxRecords is < 1 or > 1_000_000)
            issues.Add(new("spec.dlq.maxRecords", $"is {maxRecords}; use 1 to 1000000"));
    }

    public static void CheckFlowControl(long? maxInFlight, long? maxInFlightBytes, long? batchSize, List<ValidationIssue> issues)
    {
        if (maxInFlight is < 1 or > 1_000_000)
            issues.Add(new("spec.flowControl.maxInFlight", $"is {maxInFlight}; use 1 to 1000000 records"));
        if (maxInFlightBytes is < 1024 or > 1_073_741_824)
            issues.Add(new("spec.flowControl.maxInFlightBytes", $"is {maxInFlightBytes}; use 1024 bytes to 1 GiB"));
        if (batchSize is < 1 or > 10_000)
            issues.Add(new("spec.flowControl.batchSize", $"is {batchSize}; use 1 to 10000 records"));
        else if (batchSize > PipelineDefaults.MaxInFlight(maxInFlight))
            issues.Add(new("spec.flowControl.batchSize", $"is {batchSize}, more than maxInFlight ({PipelineDefaults.MaxInFlight(maxInFlight)}); a batch must fit in the credit window, lower batchSize or raise maxInFlight"));
    }
}
