using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Schema;
using k8s.Models;

namespace EtlRouter.Entities.Resources;

/// <summary>The router cluster: a StatefulSet of Raft nodes.</summary>
public sealed class RouterClusterSpec
{
    public const int MaxReplicas = 9;
    public const int DefaultReplicas = 3;
    public const string DefaultImage = "ghcr.io/etl-router/etl-router:0.1.0";
    public const int DefaultGrpcPort = 50051;
    public const int DefaultHttpPort = 8080;
    public const int DefaultRaftPort = 7000;

    [JsonPropertyName("replicas")]
    [Description("Raft nodes. 3 or more survive a node's loss; 1 is for development; 2 is refused (it cannot lose a node either).")]
    [RangeMinimum(1)]
    [RangeMaximum(MaxReplicas)]
    [Default(DefaultReplicas)]
    public int? Replicas { get; set; }

    [JsonPropertyName("image")]
    [Description("The etl-router container image.")]
    [Default(DefaultImage)]
    public string? Image { get; set; }

    [JsonPropertyName("imagePullPolicy")]
    [Description("When the kubelet pulls the image.")]
    public ImagePullPolicy? ImagePullPolicy { get; set; }

    [JsonPropertyName("grpcPort")]
    [Description("Port of the control, registry and coordinator gRPC APIs (GRPC_PORT).")]
    [RangeMinimum(1)]
    [RangeMaximum(65535)]
    [Default(DefaultGrpcPort)]
    public int? GrpcPort { get; set; }

    [JsonPropertyName("httpPort")]
    [Description("Port of GraphQL, metrics, health and the dashboard (GRAPHQL_PORT).")]
    [RangeMinimum(1)]
    [RangeMaximum(65535)]
    [Default(DefaultHttpPort)]
    public int? HttpPort { get; set; }

    [JsonPropertyName("raftPort")]
    [Description("Port the nodes replicate their Raft log on.")]
    [RangeMinimum(1)]
    [RangeMaximum(65535)]
    [Default(DefaultRaftPort)]
    public int? RaftPort { get; set; }

    [JsonPropertyName("storage")]
    [Description("Each node's persistent volume.")]
    public RouterStorageSpec? Storage { get; set; }

    [JsonPropertyName("resources")]
    [Description("CPU and memory of each router container.")]
    public V1ResourceRequirements? Resources { get; set; }
}

/// <summary>The kubelet's image pull policies.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ImagePullPolicy>))]
public enum ImagePullPolicy
{
    Always,
    IfNotPresent,
    Never,
}
