using System.Text.Json.Nodes;
using k8s;

namespace EtlRouter.OperatorRuntime.Reconciliation;

/// <summary>JSON-level helpers on entities: deep copies and the status part, without knowing the status type.</summary>
internal static class EntityJsonCopy
{
    public static T Clone<T>(T entity) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(entity));

    public static string StatusOf<T>(T entity) =>
        JsonNode.Parse(KubernetesJson.Serialize(entity))?["status"]?.ToJsonString() ?? "null";

    /// <summary>The latest object from the server with our status put on it.</summary>
    public static T WithStatusOf<T>(T latest, T ours)
    {
        var target = JsonNode.Parse(KubernetesJson.Serialize(latest))!.AsObject();
        target["status"] = JsonNode.Parse(KubernetesJson.Serialize(ours))?["status"]?.DeepClone();
        return KubernetesJson.Deserialize<T>(target.ToJsonString());
    }
}
