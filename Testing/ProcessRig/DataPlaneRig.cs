using EtlRouter.Contracts.V1;
using Grpc.Core;

namespace EtlRouter.Testing.ProcessRig;

/// <summary>
/// A whole data plane of real processes on 127.0.0.1: a router cluster, reference connectors, and sidecars
/// that each discover only the connectors of their own "pod". Everything is stopped and deleted on dispose.
/// </summary>
public sealed class DataPlaneRig : IAsyncDisposable
{
    private readonly List<ConnectorProcess> connectors = [];
    private readonly List<SidecarProcess> sidecars = [];

    private DataPlaneRig(RouterCluster router) => Router = router;

    public RouterCluster Router { get; }

    public IReadOnlyList<SidecarProcess> Sidecars => sidecars;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("etl-dataplane-test-").FullName;

    public RouterProcess RouterNode => Router.Nodes[0];

    /// <summary>A one-node router with short sidecar leases, so a dead sidecar's stages move within seconds.</summary>
    public static async Task<DataPlaneRig> StartAsync(int routerNodes = 1) =>
        new(await RouterCluster.StartAsync(routerNodes, new Dictionary<string, string> { ["SIDECAR_LEASE_SECONDS"] = "3" }));

    public async Task<ConnectorProcess> ConnectorAsync(string connector, string name, params string[] settings)
    {
        var process = new ConnectorProcess(connector, name, settings);
        connectors.Add(process);
        await process.StartAsync();
        return process;
    }

    /// <summary>A sidecar in a "pod" with the given connectors; it discovers exactly their ports.</summary>
    public async Task<SidecarProcess> SidecarAsync(string id, IEnumerable<ConnectorProcess> pod, Dictionary<string, string>? environment = null)
    {
        var sidecar = new SidecarProcess(id, RouterNode.GrpcAddress, pod.Select(c => c.Port), environment);
        sidecars.Add(sidecar);
        await sidecar.StartAsync();
        return sidecar;
    }

    public Task<SidecarProcess> SidecarAsync(string id, params ConnectorProcess[] pod) => SidecarAsync(id, pod, null);

    public async Task ApplyAsync(PipelineDefinition pipeline) =>
        await RouterNode.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = pipeline }, deadline: DateTime.UtcNow.AddSeconds(15));

    /// <summary>Waits until every stage of the pipeline runs somewhere.</summary>
    public async Task WaitAssignedAsync(PipelineRef pipeline) =>
        await Eventually.WaitUntil(async () =>
        {
            var status = await RouterNode.ControlPlane.GetPipelineAsync(new GetPipelineRequest { Ref = pipeline }, deadline: DateTime.UtcNow.AddSeconds(5));
            return status.Stages.All(s => s.Assignments.Count > 0);
        }, $"every stage of {pipeline.Name} assigned", TimeSpan.FromSeconds(30));

    public async Task<IReadOnlyList<DeadLetter>> DeadLettersAsync(DeadLetterFilter filter)
    {
        var all = new List<DeadLetter>();
        var request = new ListDeadLettersRequest { Filter = filter, Limit = 1000 };
        while (true)
        {
            var page = await RouterNode.DeadLetters.ListAsync(request, deadline: DateTime.UtcNow.AddSeconds(10));
            all.AddRange(page.DeadLetters);
            if (page.NextPageToken.Length == 0) return all;
            request.PageToken = page.NextPageToken;
        }
    }

    /// <summary>The last output of every process, for a failure message.</summary>
    public string Diagnostics() =>
        string.Join("\n\n", sidecars.Select(s => $"--- sidecar {s.Id}\n{s.Process.RecentOutput}")
            .Concat(connectors.Select(c => $"--- connector {c.Name}\n{c.RecentOutput}"))
            .Append($"--- router\n{RouterNode.RecentOutput}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var sidecar in sidecars) sidecar.Dispose();
        foreach (var connector in connectors) connector.Dispose();
        await Router.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Pipelines the data-plane tests apply straight to the router, as the operator would.</summary>
public static class DataPlanePipelines
{
    public static PipelineDefinition Build(string name, int maxRetries = 2, uint maxInFlight = 500, uint batchSize = 100, params StageDefinition[] stages)
    {
        var pipeline = new PipelineDefinition
        {
            Ref = new PipelineRef { Namespace = "default", Name = name },
            Generation = 1,
            Dlq = new DeadLetterPolicy { Enabled = true, MaxRetries = (uint)maxRetries, MaxRecords = 100_000, Retention = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(1)) },
            FlowControl = new FlowControl { MaxInFlight = maxInFlight, MaxInFlightBytes = 8 << 20, BatchSize = batchSize },
        };
        pipeline.Stages.AddRange(stages);
        return pipeline;
    }

    public static StageDefinition Source(string name, string service) => new() { Name = name, Kind = StageKind.Source, Service = service };

    public static StageDefinition Transform(string name, string service, params string[] inputs) => new() { Name = name, Kind = StageKind.Transform, Service = service, Inputs = { inputs } };

    public static StageDefinition Sink(string name, string service, params string[] inputs) => new() { Name = name, Kind = StageKind.Sink, Service = service, Inputs = { inputs } };

    /// <summary>A conditional edge: records from <paramref name="input"/> reach the stage only when <paramref name="condition"/> holds.</summary>
    public static StageDefinition When(this StageDefinition stage, string input, string condition)
    {
        stage.InputConditions[input] = condition;
        return stage;
    }

    public static StageDefinition With(this StageDefinition stage, string option, string value)
    {
        stage.Options[option] = value;
        return stage;
    }
}
