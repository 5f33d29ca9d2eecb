using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Backups;
using EtlRouter.RouterRuntime.Integrity;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Membership;
using EtlRouter.RouterRuntime.Requests;
using EtlRouter.RouterRuntime.State;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Api;

/// <summary>
/// The control-plane API (Contracts/etl/v1/control_plane.proto) on every router node: checks each request,
/// then hands it to what does the work (writes through <see cref="WriteGateway"/>, reads after
/// <see cref="ReadFreshness"/>, the status stream, cluster probes and membership, backups).
/// </summary>
internal sealed class ControlPlaneApi(
    RouterState state,
    WriteGateway gateway,
    ReadFreshness freshness,
    PipelineStatusStream statusStream,
    ClusterProbe probe,
    MembershipChange membership,
    BackupTransfer backups,
    ClusterStateVerifier verifier) : ControlPlane.ControlPlaneBase
{
    public override async Task<ApplyPipelineResponse> ApplyPipeline(ApplyPipelineRequest request, ServerCallContext context)
    {
        RequestValidation.Pipeline(request.Pipeline);
        var result = await gateway.ProposeAsync(new Command { ApplyPipeline = request.Pipeline }, context, context.CancellationToken);
        var response = result.ApplyPipeline;
        response.CommitIndex = response.Outcome is ApplyOutcome.Created or ApplyOutcome.Updated ? result.Index : 0;
        return response;
    }

    public override async Task<DeletePipelineResponse> DeletePipeline(DeletePipelineRequest request, ServerCallContext context)
    {
        RequestValidation.Ref(request.Ref, "ref");
        var result = await gateway.ProposeAsync(new Command { DeletePipeline = request.Ref }, context, context.CancellationToken);
        return result.DeletePipeline;
    }

    public override async Task<DrainPipelineResponse> DrainPipeline(DrainPipelineRequest request, ServerCallContext context)
    {
        RequestValidation.Ref(request.Ref, "ref");
        var result = await gateway.ProposeAsync(new Command { DrainPipeline = request.Ref }, context, context.CancellationToken);
        var response = result.DrainPipeline;
        response.CommitIndex = result.Index;
        return response;
    }

    public override async Task<PipelineState> GetPipeline(GetPipelineRequest request, ServerCallContext context)
    {
        RequestValidation.Ref(request.Ref, "ref");
        await freshness.BeforeReadAsync(context);
        lock (state.Sync)
        {
            if (state.Pipelines.TryGetValue(RouterState.Key(request.Ref), out var stored)) return StateViews.Pipeline(state, stored);
        }

        throw new RpcException(new Status(StatusCode.NotFound, $"pipeline {RouterState.Key(request.Ref)} is not in the router"));
    }

    public override async Task<ListPipelinesResponse> ListPipelines(ListPipelinesRequest request, ServerCallContext context)
    {
        await freshness.BeforeReadAsync(context);
        var response = new ListPipelinesResponse();
        lock (state.Sync)
        {
            response.Pipelines.AddRange(StateViews.Pipelines(state, state.Pipelines.Values
                .Where(p => request.Namespace.Length == 0 || p.Definition.Ref.Namespace == request.Namespace)));
        }

        return response;
    }

    public override async Task WatchPipelineStatus(WatchPipelineStatusRequest request, IServerStreamWriter<PipelineState> responseStream, ServerCallContext context)
    {
        await freshness.BeforeReadAsync(context);
        await statusStream.RunAsync(request.Namespace, responseStream, context.CancellationToken);
    }

    public override Task<ClusterStatus> GetClusterStatus(GetClusterStatusRequest request, ServerCallContext context) =>
        probe.StatusAsync(context.CancellationToken);

    public override async Task<ListServiceEndpointsResponse> ListServiceEndpoints(ListServiceEndpointsRequest request, ServerCallContext context)
    {
        await freshness.BeforeReadAsync(context);
        var response = new ListServiceEndpointsResponse();
        lock (state.Sync)
        {
            response.Endpoints.AddRange(StateViews.Endpoints(state, request.Kind, request.Service, request.Namespace));
        }

        return response;
    }

    public override async Task<ServiceBacklog> GetServiceBacklog(GetServiceBacklogRequest request, ServerCallContext context)
    {
        if (request.Kind is not (StageKind.Transform or StageKind.Sink)) throw RequestValidation.Invalid("kind", $"{request.Kind}; only TRANSFORM and SINK stages have inputs to hold a backlog");
        RequestValidation.ServiceName(request.Service, "service");
        RequestValidation.NamespaceName(request.Namespace, "namespace");
        await freshness.BeforeReadAsync(context);
        lock (state.Sync)
        {
            return ServiceBacklogs.Of(state, request.Kind, request.Service, request.Namespace);
        }
    }

    public override Task<VerifyClusterStateResponse> VerifyClusterState(VerifyClusterStateRequest request, ServerCallContext context) =>
        verifier.VerifyAsync(context);

    public override Task<ClusterStatus> AddClusterNode(AddClusterNodeRequest request, ServerCallContext context) =>
        membership.ApplyAsync(request.RaftAddress, add: true, context);

    public override Task<ClusterStatus> RemoveClusterNode(RemoveClusterNodeRequest request, ServerCallContext context) =>
        membership.ApplyAsync(request.RaftAddress, add: false, context);

    public override async Task CreateBackup(CreateBackupRequest request, IServerStreamWriter<BackupChunk> responseStream, ServerCallContext context)
    {
        await freshness.BeforeReadAsync(context);
        await backups.SendAsync(responseStream, framed: true, context.CancellationToken);
    }

    public override Task<RestoreBackupResponse> RestoreBackup(IAsyncStreamReader<BackupChunk> requestStream, ServerCallContext context) =>
        backups.RestoreAsync(requestStream, context);
}
