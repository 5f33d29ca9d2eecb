using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EtlRouter.Operator.Hosting;

/// <summary>
/// Keeps an endpoint to the port it is served on. Not <c>RequireHost("*:PORT")</c>: behind a Service the Host
/// header carries the Service's port (443 for the webhooks), not the one the operator listens on, so the API
/// server's calls were refused with 404 on a real cluster. The connection's local port is what the pod serves.
/// </summary>
internal static class LocalPortRouting
{
    public static TBuilder RequireLocalPort<TBuilder>(this TBuilder builder, int port) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.Connection.LocalPort == port ? await next(context) : Results.NotFound());
}
