using EtlRouter.Entities.Resources;
using EtlRouter.Pipelines.Rules;
using FluentValidation;
using FluentValidation.Results;

namespace EtlRouter.Entities.Validation;

/// <summary>Validates any resource of ours with its FluentValidation rules and returns path-named issues.</summary>
public static class EntityValidator
{
    private static readonly EtlPipelineValidator Pipeline = new();
    private static readonly ServiceEntityValidator<EtlSource> Source = new();
    private static readonly ServiceEntityValidator<EtlTransform> Transform = new();
    private static readonly ServiceEntityValidator<EtlSink> Sink = new();
    private static readonly EtlRouterClusterValidator RouterCluster = new();

    public static IReadOnlyList<ValidationIssue> Validate(object entity)
    {
        ValidationResult result = entity switch
        {
            EtlPipeline p => Pipeline.Validate(p),
            EtlSource s => Source.Validate(s),
            EtlTransform t => Transform.Validate(t),
            EtlSink s => Sink.Validate(s),
            EtlRouterCluster c => RouterCluster.Validate(c),
            _ => throw new ArgumentException($"no validator for {entity.GetType().Name}", nameof(entity)),
        };

        return result.Errors.Select(e => new ValidationIssue(e.PropertyName, e.ErrorMessage)).ToList();
    }
}
