using EtlRouter.Contracts;
using EtlRouter.Entities.Resources;
using FluentValidation;
using EtlRouter.Contracts.Addresses;

namespace EtlRouter.Entities.Validation;

/// <summary>Rules for EtlSource, EtlTransform and EtlSink: a usable endpoint and service name.</summary>
internal sealed class ServiceEntityValidator<T> : AbstractValidator<T>
    where T : IServiceEntity
{
    public ServiceEntityValidator()
    {
        this.AddMetadataRules();

        RuleFor(e => e.Spec).Custom((spec, context) =>
        {
            if (spec is null)
                return;

            if (spec.ServiceName is { } service && !System.Text.RegularExpressions.Regex.IsMatch(service, "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"))
                context.AddFailure("spec.serviceName", $"'{service}' is not a valid service name; use lowercase letters, digits, '-' and '.'");

            if (spec.Grpc?.Endpoint is { } endpoint && !HostPort.TryParse(endpoint, out _, out var problem))
                context.AddFailure("spec.grpc.endpoint", $"'{endpoint}' {problem}");

            if (spec.Grpc?.TimeoutSeconds is < 1 or > 300)
                context.AddFailure("spec.grpc.timeoutSeconds", $"is {spec.Grpc.TimeoutSeconds}; use 1 to 300 seconds");

            if (spec.Scaling is { } scaling)
            {
                foreach (var (path, message) in ScalingRules.Check(scaling, context.InstanceToValidate.ServiceKind))
                    context.AddFailure(path, message);
            }

            foreach (var key in spec.Options?.Keys ?? [])
            {
                if (string.IsNullOrWhiteSpace(key))
                    context.AddFailure("spec.options", "has an empty key; every option needs a name");
            }
        });
    }
}
