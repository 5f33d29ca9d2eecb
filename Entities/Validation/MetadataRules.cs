using System.Text.RegularExpressions;
using FluentValidation;
using k8s;
using k8s.Models;

namespace EtlRouter.Entities.Validation;

/// <summary>Rules every resource of ours shares: a name Kubernetes and our labels both accept.</summary>
public static partial class MetadataRules
{
    /// <summary>Names become label values (etl.router/pipeline=NAME), so they are DNS labels: 63 characters at most.</summary>
    public const int MaxNameLength = 63;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    public static partial Regex DnsLabel();

    public static void AddMetadataRules<T>(this AbstractValidator<T> validator)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        validator.RuleFor(e => e).Custom((entity, context) =>
        {
            var name = entity.Metadata?.Name;
            if (string.IsNullOrEmpty(name))
            {
                context.AddFailure("metadata.name", "is required; give the resource a lowercase name such as my-pipeline");
                return;
            }

            if (name.Length > MaxNameLength)
                context.AddFailure("metadata.name", $"is {name.Length} characters long; use at most {MaxNameLength}, as it becomes a label value");
            else if (!DnsLabel().IsMatch(name))
                context.AddFailure("metadata.name", $"'{name}' is not a DNS label; use lowercase letters, digits and '-', starting and ending with a letter or digit");
        });
    }
}
