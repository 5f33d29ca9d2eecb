using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace EtlRouter.Entities.Core;

/// <summary>
/// Base of every custom resource of ours: apiVersion, kind, metadata, spec and status (KubeOps'
/// <c>CustomKubernetesEntity&lt;TSpec, TStatus&gt;</c>).
/// </summary>
public abstract class CustomEntity<TSpec, TStatus> : IKubernetesObject<V1ObjectMeta>, ISpec<TSpec>, IStatus<TStatus>
    where TSpec : new()
    where TStatus : new()
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = EtlApi.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = string.Empty;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    private TSpec? _spec;
    private TStatus? _status;

    // A null in JSON ("status": null) reads as an empty status or spec, never as a null reference.
    [JsonPropertyName("spec")]
    public TSpec Spec
    {
        get => _spec ??= new();
        set => _spec = value;
    }

    [JsonPropertyName("status")]
    public TStatus Status
    {
        get => _status ??= new();
        set => _status = value;
    }
}
