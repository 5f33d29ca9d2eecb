using EtlRouter.Entities.Resources;
using EtlRouter.Pipelines.Definitions;
using EtlRouter.Pipelines.Graph;

namespace EtlRouter.Entities.Validation;

/// <summary>What makes a scaling policy usable: a workload to scale, bounds in order, a target and a delay that parse.</summary>
internal static class ScalingRules
{
    public static IEnumerable<(string Path, string Message)> Check(ScalingSpec scaling, ServiceKind kind)
    {
        if (kind == ServiceKind.Source)
        {
            yield return ("spec.scaling", "a source has no inputs, so no backlog to scale on; remove scaling (scale a source's workload yourself)");
            yield break;
        }

        if (scaling.Workload is null)
            yield return ("spec.scaling.workload", "is required; name the Deployment whose pods serve this service, e.g. {name: my-sink}");
        else if (string.IsNullOrWhiteSpace(scaling.Workload.Name))
            yield return ("spec.scaling.workload.name", "is required; name the Deployment or StatefulSet whose pods serve this service");
        if (scaling.MaxReplicas is null)
            yield return ("spec.scaling.maxReplicas", "is required; set the most replicas the workload may have (1 to 64)");
        else if (scaling.MaxReplicas is < 1 or > 64)
            yield return ("spec.scaling.maxReplicas", $"is {scaling.MaxReplicas}; use 1 to 64");
        if (scaling.MinReplicas is < 1 or > 64)
            yield return ("spec.scaling.minReplicas", $"is {scaling.MinReplicas}; use 1 to 64");
        if (scaling.MaxReplicas is { } max && scaling.EffectiveMinReplicas > max)
            yield return ("spec.scaling.minReplicas", $"is {scaling.EffectiveMinReplicas}, more than maxReplicas ({max}); lower it or raise maxReplicas");
        if (scaling.TargetBacklogPerReplica is < 1)
            yield return ("spec.scaling.targetBacklogPerReplica", $"is {scaling.TargetBacklogPerReplica}; use 1 or more records");
        if (scaling.ScaleDownDelay is { } delay && !DurationText.TryParse(delay, out _))
            yield return ("spec.scaling.scaleDownDelay", $"'{delay}' is not a duration; write e.g. 30s, 5m or 1h");
    }
}
