using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace EtlRouter.OperatorRuntime.Client;

/// <summary>The list form of a custom resource (EtlPipelineList, ...), as the API server returns it.</summary>
internal sealed class EntityList<T> : IKubernetesObject<V1ListMeta>, IItems<T>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = string.Empty;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = string.Empty;

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<T> Items { get; set; } = new List<T>();
}
