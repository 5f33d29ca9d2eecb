using System.Collections.Concurrent;
using System.Net;
using EtlRouter.Contracts.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Testing.ProcessRig;

/// <summary>
/// A small in-test router: a real gRPC ControlPlane server on 127.0.0.1 that keeps pipelines by
/// namespace/name with the generation ordering rule, assigns a stage when a test says some sidecar serves
/// its service, and can be stopped and started on the same port to play an outage. The real router
/// (RouterRuntime) replaces it when its issue lands.
/// </summary>
public sealed class FakeControlPlane : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(StageKind, string), List<ServiceEndpoint>> _served = new();
    private WebApplication? _app;

    public ConcurrentDictionary<string, PipelineDefinition> Pipelines { get; } = new();

    public ConcurrentQueue<string> Calls { get; } = new();

    public ClusterStatus Cluster { get; set; } = new() { LeaderId = "0", Term = 3, CommitIndex = 42 };

    /// <summary>Whether RemoveClusterNode may remove the node at this Raft address now (a test holds it back).</summary>
    public Func<string, bool> AllowRemove { get; set; } = _ => true;

    /// <summary>Membership calls as they came: "add ADDRESS", "remove ADDRESS", "remove-refused ADDRESS".</summary>
    public ConcurrentQueue<string> MembershipCalls { get; } = new();

    /// <summary>How many DrainPipeline calls answer "not drained yet" (records in flight) before one answers drained.</summary>
    public int DrainPollsBeforeDrained { get; set; }

    /// <summary>When each pipeline's drain began, as a router would keep it.</summary>
    public ConcurrentDictionary<string, DateTime> DrainingSince { get; } = new();

    /// <summary>A Raft group of these nodes of the EtlRouterCluster default/etl-router, node 0 leading.</summary>
    public void HaveMembers(params int[] ids)
    {
        var status = new ClusterStatus { LeaderId = "0", Term = 3, CommitIndex = 42 };
        status.Nodes.AddRange(ids.Select(i => new ClusterNode { Id = $"{i}", Address = $"etl-router-{i}.etl-router-raft.default.svc:7000", Role = i == 0 ? NodeRole.Leader : NodeRole.Follower, Healthy = true }));
        Cluster = status;
    }

    // etl-router-3.etl-router-raft.default.svc:7000 is node 3.
    private static string OrdinalOf(string raftAddress) => raftAddress.Split('.')[0].Split('-')[^1];

    public int Port { get; private set; }

    public string Address => $"http://127.0.0.1:{Port}";

    public static async Task<FakeControlPlane> StartAsync()
    {
        var plane = new FakeControlPlane();
        await plane.StartAgainAsync();
        return plane;
    }

    /// <summary>Starts serving (again, on the same port after <see cref="StopAsync"/>).</summary>
    public async Task StartAgainAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(this);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, Port, o => o.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.MapGrpcService<Service>();
        await app.StartAsync();
        if (Port == 0)
            Port = new Uri(app.Urls.First()).Port;
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is null)
            return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    /// <summary>Says a sidecar serves a service, so stages calling it get assigned.</summary>
    public void Serve(StageKind kind, string service, string sidecarId, string pod) =>
        _served.AddOrUpdate((kind, service), _ => [new ServiceEndpoint { SidecarId = sidecarId, Pod = pod, Address = $"{pod}:9091", Kind = kind, Service = service }],
            (_, list) => [.. list, new ServiceEndpoint { SidecarId = sidecarId, Pod = pod, Address = $"{pod}:9091", Kind = kind, Service = service }]);

    public static string Key(string ns, string name) => $"{ns}/{name}";

    public async ValueTask DisposeAsync() => await StopAsync();

    private PipelineState StateOf(PipelineDefinition definition)
    {
        var state = new PipelineState { Definition = definition, RecordsIn = 100, RecordsOut = 97, DeadLetters = 3 };
        foreach (var stage in definition.Stages)
        {
            var stageState = new StageState { Name = stage.Name, Kind = stage.Kind, Service = stage.Service };
            var endpoints = string.IsNullOrEmpty(stage.Endpoint)
                ? _served.GetValueOrDefault((stage.Kind, stage.Service)) ?? []
                : [new ServiceEndpoint { SidecarId = "sidecar-explicit", Pod = "explicit-" + stage.Name, Address = stage.Endpoint }];
            stageState.Assignments.AddRange(endpoints.Select(e => new StageAssignment { SidecarId = e.SidecarId, Pod = e.Pod, Address = e.Address, Epoch = 1 }));
            state.Stages.Add(stageState);
        }

        return state;
    }

    private sealed class Service(FakeControlPlane plane) : ControlPlane.ControlPlaneBase
    {
        public override Task<ApplyPipelineResponse> ApplyPipeline(ApplyPipelineRequest request, ServerCallContext context)
        {
            var definition = request.Pipeline;
            if (definition?.Ref is null || string.IsNullOrEmpty(definition.Ref.Name))
                throw new RpcException(new Status(StatusCode.InvalidArgument, "pipeline.ref.name: is required"));
            var key = Key(definition.Ref.Namespace, definition.Ref.Name);
            plane.Calls.Enqueue($"apply {key} g{definition.Generation}");
            var outcome = ApplyOutcome.Created;
            plane.Pipelines.AddOrUpdate(key, definition, (_, existing) =>
            {
                if (existing.Generation > definition.Generation)
                {
                    outcome = ApplyOutcome.Stale;
                    return existing;
                }

                outcome = existing.Generation == definition.Generation ? ApplyOutcome.Unchanged : ApplyOutcome.Updated;
                return definition;
            });
            return Task.FromResult(new ApplyPipelineResponse { Outcome = outcome, StoredGeneration = plane.Pipelines[key].Generation, CommitIndex = 7 });
        }

        public override Task<DeletePipelineResponse> DeletePipeline(DeletePipelineRequest request, ServerCallContext context)
        {
            var key = Key(request.Ref.Namespace, request.Ref.Name);
            plane.Calls.Enqueue($"delete {key}");
            return Task.FromResult(new DeletePipelineResponse { Existed = plane.Pipelines.TryRemove(key, out _) });
        }

        public override Task<DrainPipelineResponse> DrainPipeline(DrainPipelineRequest request, ServerCallContext context)
        {
            var key = Key(request.Ref.Namespace, request.Ref.Name);
            plane.Calls.Enqueue($"drain {key}");
            if (!plane.Pipelines.ContainsKey(key)) return Task.FromResult(new DrainPipelineResponse { Existed = false });
            var since = plane.DrainingSince.GetOrAdd(key, _ => DateTime.UtcNow);
            var polls = plane.Calls.Count(c => c == $"drain {key}");
            var drained = polls > plane.DrainPollsBeforeDrained;
            var response = new DrainPipelineResponse { Existed = true, Drained = drained, InFlight = drained ? 0u : 42u, DrainingSince = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(since) };
            if (!drained) response.WaitingFor.Add("source source on pod-a: 42 records in flight");
            return Task.FromResult(response);
        }

        public override Task<PipelineState> GetPipeline(GetPipelineRequest request, ServerCallContext context) =>
            plane.Pipelines.TryGetValue(Key(request.Ref.Namespace, request.Ref.Name), out var definition)
                ? Task.FromResult(plane.StateOf(definition))
                : throw new RpcException(new Status(StatusCode.NotFound, "no such pipeline"));

        public override Task<ListPipelinesResponse> ListPipelines(ListPipelinesRequest request, ServerCallContext context)
        {
            var response = new ListPipelinesResponse();
            response.Pipelines.AddRange(plane.Pipelines.Values.Where(p => request.Namespace.Length == 0 || p.Ref.Namespace == request.Namespace).Select(plane.StateOf));
            return Task.FromResult(response);
        }

        public override Task<ClusterStatus> GetClusterStatus(GetClusterStatusRequest request, ServerCallContext context) =>
            Task.FromResult(plane.Cluster);

        public override Task<ClusterStatus> AddClusterNode(AddClusterNodeRequest request, ServerCallContext context)
        {
            plane.MembershipCalls.Enqueue($"add {request.RaftAddress}");
            var status = plane.Cluster.Clone();
            status.Nodes.Add(new ClusterNode { Id = OrdinalOf(request.RaftAddress), Address = request.RaftAddress, Role = NodeRole.Follower, Healthy = true });
            plane.Cluster = status;
            return Task.FromResult(status);
        }

        public override Task<ClusterStatus> RemoveClusterNode(RemoveClusterNodeRequest request, ServerCallContext context)
        {
            if (!plane.AllowRemove(request.RaftAddress))
            {
                plane.MembershipCalls.Enqueue($"remove-refused {request.RaftAddress}");
                throw new RpcException(new Status(StatusCode.FailedPrecondition, "held back by the test"));
            }

            plane.MembershipCalls.Enqueue($"remove {request.RaftAddress}");
            var status = plane.Cluster.Clone();
            var node = status.Nodes.Single(n => n.Id == OrdinalOf(request.RaftAddress));
            status.Nodes.Remove(node);
            plane.Cluster = status;
            return Task.FromResult(status);
        }

        public override Task<ListServiceEndpointsResponse> ListServiceEndpoints(ListServiceEndpointsRequest request, ServerCallContext context)
        {
            var response = new ListServiceEndpointsResponse();
            response.Endpoints.AddRange(plane._served.GetValueOrDefault((request.Kind, request.Service)) ?? []);
            return Task.FromResult(response);
        }
    }
}
