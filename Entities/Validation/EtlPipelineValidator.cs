using EtlRouter.Entities.Graph;
using EtlRouter.Entities.Resources;
using EtlRouter.Pipelines.Graph;
using EtlRouter.Pipelines.Rules;
using FluentValidation;

namespace EtlRouter.Entities.Validation;

/// <summary>
/// What the CRD schema cannot check about a pipeline: its graph (cycles, unknown or duplicate stages, sources
/// with inputs, sinks with outputs, dead ends) and the relations between its settings. The operator, the
/// validating webhook and <c>etlctl validate</c> all use this, and the rules themselves live in Pipelines, where
/// the router's GraphQL createPipeline finds them too, so they all say the same.
/// </summary>
internal sealed class EtlPipelineValidator : AbstractValidator<EtlPipeline>
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

            var form = spec.ToForm();
            var issues = new List<ValidationIssue>(PipelineGraphCompiler.Compile(form).Issues);
            PipelineSettingsRules.CheckStageNames(form, issues);
            if (spec.Dlq is { } dlq) PipelineSettingsRules.CheckDeadLetters(dlq.MaxRetries, dlq.Retention, dlq.MaxRecords, issues);
            if (spec.FlowControl is { } flow) PipelineSettingsRules.CheckFlowControl(flow.MaxInFlight, flow.MaxInFlightBytes, flow.BatchSize, issues);
            foreach (var issue in issues) context.AddFailure(issue.Path, issue.Message);
        });
    }
}
