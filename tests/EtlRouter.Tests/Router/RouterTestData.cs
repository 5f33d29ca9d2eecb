using EtlRouter.Contracts.V1;
using Grpc.Core;

namespace EtlRouter.Tests.Router;

/// <summary>Pipelines, sidecars and reads the router tests share.</summary>
public static class RouterTestData
{
    public static PipelineDefinition Linear(string name, long generation = 1, string ns = "default", string source = "gen", string transform = "mask", string sink = "files") => new()
    {
        Ref = new PipelineRef { Namespace = ns, Name = name },
        Generation = generation,
        Stages =
        {
            new StageDefinition { Name = "source", Kind = StageKind.Source, Service = source },
            new StageDefinition { Name = "transform", Kind = StageKind.Transform, Service = transform, Inputs = { "source" } },
            new StageDefinition { Name = "sink", Kind = StageKind.Sink, Service = sink, Inputs = { "transform" } },
        },
    };

    public static RegisterSidecarRequest Sidecar(string id, params (StageKind Kind, string Name)[] services)
    {
        var request = new RegisterSidecarRequest { SidecarId = id, Pod = $"default/{id}", Address = $"127.0.0.1:{9000 + Math.Abs(id.GetHashCode(StringComparison.Ordinal) % 1000)}" };
        foreach (var (kind, name) in services)
            request.Services.Add(new DiscoveredService { Kind = kind, Name = name, Version = "1", Endpoint = "127.0.0.1:50051" });
        return request;
    }

    /// <summary>The header that makes a read wait until the node has applied <paramref name="index"/>.</summary>
    public static Metadata MinIndex(ulong index) => new() { { EtlRouter.Contracts.RouterHeaders.MinIndex, index.ToString(System.Globalization.CultureInfo.InvariantCulture) } };

    /// <summary>Reads a node's pipelines once it has applied <paramref name="index"/> (read-your-writes through any node).</summary>
    public static async Task<ListPipelinesResponse> ListAt(ControlPlane.ControlPlaneClient client, ulong index) =>
        await client.ListPipelinesAsync(new ListPipelinesRequest(), new Metadata { { EtlRouter.Contracts.RouterHeaders.MinIndex, index.ToString(System.Globalization.CultureInfo.InvariantCulture) } }, DateTime.UtcNow.AddSeconds(15));
}
