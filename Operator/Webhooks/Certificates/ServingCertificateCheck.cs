using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EtlRouter.Operator.Webhooks.Certificates;

/// <summary>Readiness: unhealthy until there is a certificate to serve (every API server call would fail before that).</summary>
internal sealed class ServingCertificateCheck(ServingCertificate serving) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(serving.IsLoaded ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("no webhook certificate yet"));
}
