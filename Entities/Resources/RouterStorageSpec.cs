using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Schema;

namespace EtlRouter.Entities.Resources;

/// <summary>The volume each router node keeps its Raft log and snapshots on (DATA_DIR).</summary>
public sealed class RouterStorageSpec
{
    public const string DefaultSize = "1Gi";

    [JsonPropertyName("size")]
    [Description("Size of each node's PersistentVolumeClaim, e.g. 1Gi.")]
    [Pattern(@"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$")]
    [Default(DefaultSize)]
    public string? Size { get; set; }

    [JsonPropertyName("storageClassName")]
    [Description("StorageClass of the claims; the cluster's default when empty.")]
    public string? StorageClassName { get; set; }
}
