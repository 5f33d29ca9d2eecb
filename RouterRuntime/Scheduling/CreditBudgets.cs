using EtlRouter.Contracts.V1;
using EtlRouter.Pipelines.Definitions;

namespace EtlRouter.RouterRuntime.Scheduling;

/// <summary>
/// The credit budget of every edge, from the pipeline's flowControl; a zero field means "not set"
/// (<see cref="PipelineDefaults"/>).
/// </summary>
internal static class CreditBudgets
{
    public static CreditBudget For(PipelineDefinition pipeline)
    {
        var flow = pipeline.FlowControl;
        return new CreditBudget
        {
            MaxInFlightRecords = (uint)PipelineDefaults.MaxInFlight(flow?.MaxInFlight),
            MaxInFlightBytes = (ulong)PipelineDefaults.MaxInFlightBytes((long?)flow?.MaxInFlightBytes),
            BatchSize = (uint)PipelineDefaults.BatchSize(flow?.BatchSize),
        };
    }
}
