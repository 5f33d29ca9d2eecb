using EtlRouter.Pipelines.Rules;
using FluentValidation;
using k8s;
using k8s.Models;

namespace EtlRouter.Entities.Validation;

/// <summary>Rules every resource of ours shares: a name Kubernetes and our labels both accept (<see cref="ResourceNames"/>).</summary>
internal static class MetadataRules
{
    public static void AddMetadataRules<T>(this AbstractValidator<T> validator)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        validator.RuleFor(e => e).Custom((entity, context) =>
        {
            var issues = new List<ValidationIssue>();
            ResourceNames.Check(entity.Metadata?.Name, "metadata.name", issues);
            foreach (var issue in issues) context.AddFailure(issue.Path, issue.Message);
        });
    }
}
