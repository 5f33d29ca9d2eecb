using System.Text.Json.Nodes;
using EtlRouter.SidecarInjector;
using EtlRouter.SidecarInjector.Admission;
using EtlRouter.Operator.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Operator.Webhooks;

/// <summary>
/// The two admission endpoints, on the HTTPS port only. A body that is not an AdmissionReview gets 400 with a
/// message; everything else gets 200 with the review's response, as the API server expects.
/// </summary>
internal static class AdmissionEndpoints
{
    public const string InjectPath = "/mutate-v1-pod";
    public const string ValidatePipelinePath = "/validate-etl-router-v1-etlpipeline";

    public static IEndpointRouteBuilder MapEtlWebhooks(this IEndpointRouteBuilder endpoints)
    {
        var settings = endpoints.ServiceProvider.GetRequiredService<WebhookSettings>();
        if (!settings.Enabled) return endpoints;

        endpoints.MapPost(InjectPath, InjectAsync).RequireLocalPort(settings.Port);
        endpoints.MapPost(ValidatePipelinePath, ValidatePipelineAsync).RequireLocalPort(settings.Port);
        return endpoints;
    }

    private static async Task<IResult> InjectAsync(HttpContext context, SidecarInjectionWebhook webhook, NamespaceLabels namespaces, ClusterVersion version, ILogger<SidecarInjectionWebhook> logger)
    {
        if (await ReadAsync(context) is not { } request) return Malformed(context);

        var labels = request.IsPod && request.Operation == "CREATE" ? await namespaces.GetAsync(request.Namespace, context.RequestAborted) : null;
        var (response, decision) = webhook.Review(request, labels, request.IsPod ? await version.GetAsync(context.RequestAborted) : null);
        var pod = $"{request.Namespace}/{(request.Name.Length > 0 ? request.Name : request.Object?["metadata"]?["generateName"] + "*")}";
        switch (decision.Outcome)
        {
            case InjectionOutcome.Inject:
                logger.LogInformation("Injected the sidecar into pod {Pod}: {Reason}", pod, decision.Reason);
                break;
            case InjectionOutcome.Refuse:
                logger.LogWarning("Refused pod {Pod}: {Reason}", pod, decision.Reason);
                break;
            default:
                logger.LogDebug("Left {Pod} unchanged: {Reason}", pod, decision.Reason);
                break;
        }

        return Results.Json(response.ToReview());
    }

    private static async Task<IResult> ValidatePipelineAsync(HttpContext context, ILogger<WebhookSettings> logger)
    {
        if (await ReadAsync(context) is not { } request) return Malformed(context);
        var response = PipelineAdmission.Review(request);
        if (!response.Allowed)
            logger.LogInformation("Refused EtlPipeline {Namespace}/{Name}: {Message}", request.Namespace, request.Name, response.Message);
        return Results.Json(response.ToReview());
    }

    private static async Task<AdmissionRequest?> ReadAsync(HttpContext context)
    {
        try
        {
            if (context.Request.ContentLength > AdmissionReviewReader.MaxBodyBytes)
                throw new InvalidAdmissionReviewException($"the body is {context.Request.ContentLength} bytes; at most {AdmissionReviewReader.MaxBodyBytes} are read");
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            return AdmissionReviewReader.Read(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        catch (InvalidAdmissionReviewException e)
        {
            context.Items[nameof(InvalidAdmissionReviewException)] = e.Message;
            return null;
        }
    }

    private static IResult Malformed(HttpContext context) => Results.Json(
        new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Status",
            ["status"] = "Failure",
            ["reason"] = "BadRequest",
            ["code"] = 400,
            ["message"] = $"not an AdmissionReview: {context.Items[nameof(InvalidAdmissionReviewException)]}",
        },
        statusCode: StatusCodes.Status400BadRequest);
}
