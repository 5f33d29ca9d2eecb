using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;

namespace EtlRouter.RouterRuntime.Scheduling;

/// <summary>
/// The credit budget of every edge, from the pipeline's flowControl. A zero field means "not set" and takes
/// the same default the EtlPipeline CRD documents, so a pipeline applied by etlctl in local mode behaves
/// like one applied through the operator.
/// </summary>
public static class CreditBudgets
{
    public static CreditBudget For(PipelineDefinition pipeline)
    {
        var flow = pipeline.FlowControl;
        return new CreditBudget
        {
            MaxInFlightRecords = flow is { MaxInFlight: > 0 } ? flow.MaxInFlight : FlowControlSpec.DefaultMaxInFlight,
            MaxInFlightBytes = flow is { MaxInFlightBytes: > 0 } ? flow.MaxInFlightBytes : FlowControlSpec.DefaultMaxInFlightBytes,
            BatchSize = flow is { BatchSize: > 0 } ? flow.BatchSize : FlowControlSpec.DefaultBatchSize,
        };
    }
}
