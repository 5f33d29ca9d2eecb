using System.Text.Json.Nodes;

namespace EtlRouter.Testing.KubeApiServer;

/// <summary>A change in the store, kept in its history so watches can resume from a resourceVersion.</summary>
public sealed record WatchEvent(long ResourceVersion, string TypeKey, string? Namespace, string Type, JsonObject Object)
{
    public string ToLine() => new JsonObject { ["type"] = Type, ["object"] = Object.DeepClone() }.ToJsonString();
}
