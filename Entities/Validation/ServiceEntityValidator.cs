using System.Globalization;
using EtlRouter.Entities.Resources;
using FluentValidation;

namespace EtlRouter.Entities.Validation;

/// <summary>Rules for EtlSource, EtlTransform and EtlSink: a usable endpoint and service name.</summary>
public sealed class ServiceEntityValidator<T> : AbstractValidator<T>
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

            if (spec.Grpc?.Endpoint is { } endpoint)
            {
                var colon = endpoint.LastIndexOf(':');
                if (colon <= 0 || colon == endpoint.Length - 1)
                    context.AddFailure("spec.grpc.endpoint", $"'{endpoint}' has no port; write it as host:port, e.g. my-svc:50051");
                else if (!int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                    context.AddFailure("spec.grpc.endpoint", $"'{endpoint}' has port '{endpoint[(colon + 1)..]}'; use a port from 1 to 65535");
                else if (endpoint.Contains("://", StringComparison.Ordinal))
                    context.AddFailure("spec.grpc.endpoint", $"'{endpoint}' has a scheme; write only host:port");
            }

            if (spec.Grpc?.TimeoutSeconds is < 1 or > 300)
                context.AddFailure("spec.grpc.timeoutSeconds", $"is {spec.Grpc.TimeoutSeconds}; use 1 to 300 seconds");

            foreach (var key in spec.Options?.Keys ?? [])
            {
                if (string.IsNullOrWhiteSpace(key))
                    context.AddFailure("spec.options", "has an empty key; every option needs a name");
            }
        });
    }
}
