using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace EtlRouter.SidecarInjector;

/// <summary>
/// The RFC 6902 JSON patch that adds the sidecar to a pod: appended to initContainers (native) or containers,
/// and the etl.router/injected-version annotation that records what was done. Only "add" operations, each on a
/// path that exists by then, so the patch applies to exactly the pod it was computed for.
/// </summary>
internal static class PodPatch
{
    public static JsonArray AddSidecar(V1Pod pod, V1Container sidecar, SidecarMode mode, string version)
    {
        var patch = new JsonArray();
        var container = JsonNode.Parse(KubernetesJson.Serialize(sidecar));
        if (mode == SidecarMode.Native)
        {
            // After the pod's own init containers: they finish before the sidecar starts and need none of it.
            if (pod.Spec?.InitContainers is { Count: > 0 })
                patch.Add(Add("/spec/initContainers/-", container));
            else
                patch.Add(Add("/spec/initContainers", new JsonArray(container)));
        }
        else
        {
            patch.Add(Add("/spec/containers/-", container));
        }

        // The sidecar's identity proof: a token for audience etl-router, bound to this pod, rotated by the kubelet.
        var token = JsonNode.Parse(KubernetesJson.Serialize(new V1Volume
        {
            Name = SidecarContainer.TokenVolume,
            Projected = new V1ProjectedVolumeSource
            {
                Sources = [new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { Audience = SidecarContainer.TokenAudience, ExpirationSeconds = 3600, Path = "token" } }],
            },
        }));
        patch.Add(pod.Spec?.Volumes is { Count: > 0 } ? Add("/spec/volumes/-", token) : Add("/spec/volumes", new JsonArray(token)));
        // A projected token needs the pod's account named; the API server's ServiceAccount admission names "default"
        // for a pod that names none, but where it runs after us, or not at all, validation would refuse the pod.
        if (string.IsNullOrEmpty(pod.Spec?.ServiceAccountName))
            patch.Add(Add("/spec/serviceAccountName", JsonValue.Create("default")));

        // A label NetworkPolicies select injected pods by (config/network-policies).
        if (pod.Metadata?.Labels is null)
            patch.Add(Add("/metadata/labels", new JsonObject { [InjectionAnnotations.SidecarLabel] = InjectionAnnotations.SidecarLabelValue }));
        else
            patch.Add(Add("/metadata/labels/" + Escape(InjectionAnnotations.SidecarLabel), JsonValue.Create(InjectionAnnotations.SidecarLabelValue)));

        if (pod.Metadata?.Annotations is null)
            patch.Add(Add("/metadata/annotations", new JsonObject { [InjectionAnnotations.InjectedVersion] = version }));
        else
            patch.Add(Add("/metadata/annotations/" + Escape(InjectionAnnotations.InjectedVersion), JsonValue.Create(version)));
        return patch;
    }

    /// <summary>RFC 6901: "~" and "/" inside a key are written ~0 and ~1.</summary>
    public static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static JsonObject Add(string path, JsonNode? value) => new() { ["op"] = "add", ["path"] = path, ["value"] = value };
}
