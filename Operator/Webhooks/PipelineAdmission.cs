using System.Text.Json;
using System.Text.Json.Nodes;
using EtlRouter.Entities.Resources;
using EtlRouter.Entities.Validation;
using EtlRouter.Pipelines.Rules;
using EtlRouter.SidecarInjector.Admission;
using k8s;

namespace EtlRouter.Operator.Webhooks;

/// <summary>
/// The validating webhook for EtlPipeline: the same rules and messages as the reconciler (the entity's
/// validators and the graph compiler), before the object is stored. References to sources, transforms and
/// sinks that do not exist yet are allowed (GitOps applies in any order); the reconciler reports them in status.
/// </summary>
internal static class PipelineAdmission
{
    public static AdmissionResponse Review(AdmissionRequest request)
    {
        if (request.Operation is not ("CREATE" or "UPDATE") || request.SubResource.Length > 0)
            return AdmissionResponse.Allow(request.Uid);
        if (request.Group != "etl.router" || request.Kind != "EtlPipeline")
            return AdmissionResponse.Allow(request.Uid) with { Warnings = [$"the pipeline webhook does not judge {request.Kind}.{request.Group}; check the webhook's rules"] };
        if (request.Object is null)
            return AdmissionResponse.Deny(request.Uid, "request.object: missing");

        // An update that leaves the spec alone (finalizers, labels, a deletion in progress) is never refused:
        // refusing it would keep a pipeline whose spec was stored before the webhook existed from being deleted.
        if (request.Operation == "UPDATE" && (JsonNode.DeepEquals(request.Object["spec"], request.OldObject?["spec"]) || request.Object["metadata"]?["deletionTimestamp"] is not null))
            return AdmissionResponse.Allow(request.Uid);

        EtlPipeline pipeline;
        try
        {
            pipeline = KubernetesJson.Deserialize<EtlPipeline>(request.Object.ToJsonString());
        }
        catch (JsonException e)
        {
            return AdmissionResponse.Deny(request.Uid, $"EtlPipeline {request.Name}: the object cannot be read ({e.Message})");
        }

        var issues = Issues(pipeline);
        return issues.Count == 0
            ? AdmissionResponse.Allow(request.Uid)
            : AdmissionResponse.Deny(request.Uid, $"EtlPipeline {Name(request, pipeline)} is invalid: {string.Join("; ", issues.Select(i => i.ToString()))}", 422);
    }

    /// <summary>What the reconciler would report: the pipeline validator's issues, the graph compiler's included.</summary>
    public static IReadOnlyList<ValidationIssue> Issues(EtlPipeline pipeline) => EntityValidator.Validate(pipeline);

    private static string Name(AdmissionRequest request, EtlPipeline pipeline) =>
        pipeline.Metadata?.Name is { Length: > 0 } name ? name : request.Name.Length > 0 ? request.Name : "(generated name)";
}
