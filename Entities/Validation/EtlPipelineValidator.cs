using EtlRouter.Entities.Graph;
using EtlRouter.Entities.Resources;
using FluentValidation;

namespace EtlRouter.Entities.Validation;

/// <summary>
/// What the CRD schema cannot check about a pipeline: its graph (cycles, unknown or duplicate stages, sources
/// with inputs, sinks with outputs, dead ends) and the relations between its settings. The operator, the
/// validating webhook and <c>etlctl validate</c> all use this, so they all say the same.
/// </summary>
public sealed class EtlPipelineValidator : AbstractValidator<EtlPipeline>
{
    public EtlPipelineValidator()
    {
        this.AddMetadataRules();

        RuleFor(p => p.Spec).Custom((spec, context) =>
        {
            if (spec is null)
            {
                context.AddFailure("spec", "is required; set source, steps and sink, or stages");
                return;
            }

            foreach (var issue in PipelineGraphCompiler.Compile(spec).Issues)
                context.AddFailure(issue.Path, issue.Message);

            if (spec.Stages is not null)
            {
                for (var i = 0; i < spec.Stages.Count; i++)
                {
                    var stage = spec.Stages[i];
                    if (stage?.Name is { } name && !MetadataRules.DnsLabel().IsMatch(name))
                        context.AddFailure($"spec.stages[{i}].name", $"'{name}' is not a DNS label; use lowercase letters, digits and '-'");
                }
            }

            CheckDeadLetters(spec.Dlq, context);
            CheckFlowControl(spec.FlowControl, context);
        });
    }

    private static void CheckDeadLetters(DeadLetterSpec? dlq, FluentValidation.ValidationContext<EtlPipeline> context)
    {
        if (dlq is null)
            return;
        if (dlq.MaxRetries is < 0 or > DeadLetterSpec.MaxRetriesLimit)
            context.AddFailure("spec.dlq.maxRetries", $"is {dlq.MaxRetries}; use 0 to {DeadLetterSpec.MaxRetriesLimit} retries");
        if (dlq.Retention is not null && !DurationText.TryParse(dlq.Retention, out _))
            context.AddFailure("spec.dlq.retention", $"'{dlq.Retention}' is not a duration; write it like 30m, 24h or 7d");
        if (dlq.MaxRecords is < 1 or > 1_000_000)
            context.AddFailure("spec.dlq.maxRecords", $"is {dlq.MaxRecords}; use 1 to 1000000");
    }

    private static void CheckFlowControl(FlowControlSpec? flow, FluentValidation.ValidationContext<EtlPipeline> context)
    {
        if (flow is null)
            return;
        if (flow.MaxInFlight is < 1 or > 1_000_000)
            context.AddFailure("spec.flowControl.maxInFlight", $"is {flow.MaxInFlight}; use 1 to 1000000 records");
        if (flow.MaxInFlightBytes is < 1024 or > 1_073_741_824)
            context.AddFailure("spec.flowControl.maxInFlightBytes", $"is {flow.MaxInFlightBytes}; use 1024 bytes to 1 GiB");
        if (flow.BatchSize is < 1 or > 10_000)
            context.AddFailure("spec.flowControl.batchSize", $"is {flow.BatchSize}; use 1 to 10000 records");
        else if (flow.BatchSize > PipelineDefaults.MaxInFlight(flow.MaxInFlight))
            context.AddFailure("spec.flowControl.batchSize", $"is {flow.BatchSize}, more than maxInFlight ({PipelineDefaults.MaxInFlight(flow.MaxInFlight)}); a batch must fit in the credit window, lower batchSize or raise maxInFlight");
    }
}
