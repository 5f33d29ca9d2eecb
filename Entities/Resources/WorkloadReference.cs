using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Schema;

namespace EtlRouter.Entities.Resources;

/// <summary>A scalable workload (apps/v1) in the same namespace.</summary>
public sealed class WorkloadReference
{
    [JsonPropertyName("kind")]
    [Description("Deployment (the default) or StatefulSet.")]
    [Default("Deployment")]
    public WorkloadKind? Kind { get; set; }

    [JsonPropertyName("name")]
    [Description("Its name.")]
    [Required]
    [Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    [Length(1, 253)]
    public string? Name { get; set; }

    [JsonIgnore]
    public WorkloadKind EffectiveKind => Kind ?? WorkloadKind.Deployment;

    public override string ToString() => $"{EffectiveKind}/{Name}";
}

/// <summary>The apps/v1 kinds the operator scales.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WorkloadKind>))]
public enum WorkloadKind
{
    Deployment,
    StatefulSet,
}
