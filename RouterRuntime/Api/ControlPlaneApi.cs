using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Configuration;
using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.State;
using Google.Protobuf;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Api;

/// <summary>The control-plane API (Contracts/etl/v1/control_plane.proto) on every router node.</summary>
internal sealed class ControlPlaneApi(
    RaftNode node,
    RouterState state,
    StateChanges changes,
    WriteGateway gateway,
    ReadFreshness freshness,
    PeerChannels peers) : ControlPlane.ControlPlaneBase
{
    private const int BackupChunkBytes = 1024 * 1024;
    /// <summary>The largest backup a router restores (and so the largest request it accepts at all).</summary>
    public const int MaxBackupBytes = 256 * 1024 * 1024;

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
        var sent = new Dictionary<string, PipelineState>(StringComparer.Ordinal);
        while (!context.CancellationToken.IsCancellationRequested)
        {
            var next = changes.Next;
            List<PipelineState> current;
            lock (state.Sync)
            {
                current = StateViews.Pipelines(state, state.Pipelines.Values
                    .Where(p => request.Namespace.Length == 0 || p.Definition.Ref.Namespace == request.Namespace))
                    .ToList();
            }

            foreach (var pipeline in current)
            {
                var key = RouterState.Key(pipeline.Definition.Ref);
                if (sent.TryGetValue(key, out var previous) && previous.Equals(pipeline)) continue;
                await responseStream.WriteAsync(pipeline, context.CancellationToken);
                sent[key] = pipeline;
            }

            // A deleted pipeline is reported once more with no stages, so watchers can drop it.
            foreach (var gone in sent.Keys.Except(current.Select(p => RouterState.Key(p.Definition.Ref))).ToList())
            {
                await responseStream.WriteAsync(new PipelineState { Definition = new PipelineDefinition { Ref = sent[gone].Definition.Ref } }, context.CancellationToken);
                sent.Remove(gone);
            }

            try
            {
                await next.WaitAsync(context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override async Task<ClusterStatus> GetClusterStatus(GetClusterStatusRequest request, ServerCallContext context)
    {
        var raft = node.Cluster;
        var (leaderId, _) = await node.LeaderAsync(context.CancellationToken);
        var status = new ClusterStatus
        {
            LeaderId = leaderId ?? string.Empty,
            Term = (ulong)Math.Max(0, node.Term),
            CommitIndex = (ulong)Math.Max(0, node.CommitIndex),
            AppliedIndex = (ulong)Math.Max(0, node.AppliedIndex),
            SnapshotIndex = (ulong)Math.Max(0, node.SnapshotIndex),
            AnsweredBy = node.Options.NodeId,
        };

        // Ask every member for its own view, in parallel, briefly: a dead node shows as unhealthy, not as a hang.
        var probes = raft.Members.Select(async member =>
        {
            if (!member.IsRemote) return node.LocalStatus();
            var metadata = await RaftNode.MetadataAsync(member, context.CancellationToken);
            var fallback = new ClusterNode
            {
                Id = metadata?.GetValueOrDefault(RaftNode.NodeIdMetadata) ?? string.Empty,
                Address = member.EndPoint.ToString() ?? string.Empty,
                GrpcAddress = metadata?.GetValueOrDefault(RaftNode.GrpcMetadata) ?? string.Empty,
                Role = member.IsLeader ? NodeRole.Leader : NodeRole.Unspecified,
                Healthy = false,
            };
            if (fallback.GrpcAddress.Length == 0) return fallback;
            try
            {
                var answer = await peers.For(fallback.GrpcAddress).GetNodeStatusAsync(new NodeStatusRequest(), deadline: DateTime.UtcNow.AddMilliseconds(750), cancellationToken: context.CancellationToken);
                answer.Address = fallback.Address;
                return answer;
            }
            catch (RpcException)
            {
                return fallback;
            }
        });
        status.Nodes.AddRange((await Task.WhenAll(probes)).OrderBy(n => n.Id, StringComparer.Ordinal));
        return status;
    }

    public override async Task<ListServiceEndpointsResponse> ListServiceEndpoints(ListServiceEndpointsRequest request, ServerCallContext context)
    {
        await freshness.BeforeReadAsync(context);
        var response = new ListServiceEndpointsResponse();
        lock (state.Sync)
        {
            response.Endpoints.AddRange(StateViews.Endpoints(state, request.Kind, request.Service));
        }

        return response;
    }

    public override Task<ClusterStatus> AddClusterNode(AddClusterNodeRequest request, ServerCallContext context) =>
        ChangeMembershipAsync(request.RaftAddress, add: true, context);

    public override Task<ClusterStatus> RemoveClusterNode(RemoveClusterNodeRequest request, ServerCallContext context) =>
        ChangeMembershipAsync(request.RaftAddress, add: false, context);

    private async Task<ClusterStatus> ChangeMembershipAsync(string raftAddress, bool add, ServerCallContext context)
    {
        if (!RaftPeer.TryParseAddress(raftAddress, out var endPoint))
            throw RequestValidation.Invalid("raft_address", $"'{raftAddress}' is not host:port; send the node's RAFT_PEERS address");

        if (!node.IsLeader)
        {
            var (_, leader) = await node.LeaderAsync(context.CancellationToken);
            if (leader is null) throw new RpcException(new Status(StatusCode.Unavailable, "no leader is known; retry once the group has elected one"));
            var client = peers.ControlPlaneFor(leader);
            return add
                ? await client.AddClusterNodeAsync(new AddClusterNodeRequest { RaftAddress = raftAddress }, deadline: context.Deadline, cancellationToken: context.CancellationToken)
                : await client.RemoveClusterNodeAsync(new RemoveClusterNodeRequest { RaftAddress = raftAddress }, deadline: context.Deadline, cancellationToken: context.CancellationToken);
        }

        var changed = add
            ? await node.AddMemberAsync(endPoint!, context.CancellationToken)
            : await node.RemoveMemberAsync(endPoint!, context.CancellationToken);
        if (!changed)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, add
                ? $"{raftAddress} was not added: it is already a member, or it did not answer (start it with RAFT_JOIN=true and RAFT_ADDRESS={raftAddress})"
                : $"{raftAddress} was not removed: it is not a member"));
        }

        return await GetClusterStatus(new GetClusterStatusRequest(), context);
    }

    public override async Task CreateBackup(CreateBackupRequest request, IServerStreamWriter<BackupChunk> responseStream, ServerCallContext context)
    {
        await freshness.BeforeReadAsync(context);
        byte[] bytes;
        BackupChunk first;
        lock (state.Sync)
        {
            // Serialized under the state lock: one consistent log index, nothing half-applied.
            var snapshot = state.ToSnapshot(Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow));
            bytes = snapshot.ToByteArray();
            first = new BackupChunk
            {
                AppliedIndex = snapshot.AppliedIndex,
                TakenAt = snapshot.TakenAt,
                Pipelines = (uint)snapshot.Pipelines.Count,
                Sidecars = (uint)snapshot.Sidecars.Count,
                DeadLetters = (uint)snapshot.DeadLetters.Count,
            };
        }

        // The first chunk carries the metadata (and is sent even for an empty state).
        var chunk = first;
        var offset = 0;
        do
        {
            var length = Math.Min(BackupChunkBytes, bytes.Length - offset);
            chunk.Data = ByteString.CopyFrom(bytes, offset, length);
            await responseStream.WriteAsync(chunk, context.CancellationToken);
            offset += length;
            chunk = new BackupChunk();
        }
        while (offset < bytes.Length);
    }

    public override async Task<RestoreBackupResponse> RestoreBackup(IAsyncStreamReader<BackupChunk> requestStream, ServerCallContext context)
    {
        using var buffer = new MemoryStream();
        await foreach (var chunk in requestStream.ReadAllAsync(context.CancellationToken))
        {
            if (buffer.Length + chunk.Data.Length > MaxBackupBytes)
                throw RequestValidation.Invalid("data", $"the backup is larger than {MaxBackupBytes / (1024 * 1024)} MiB; this router cannot restore it");
            chunk.Data.WriteTo(buffer);
        }

        RouterSnapshot backup;
        try
        {
            backup = RouterSnapshot.Parser.ParseFrom(buffer.ToArray());
        }
        catch (InvalidProtocolBufferException e)
        {
            throw RequestValidation.Invalid("data", $"not a router backup ({e.Message}); pass a file written by 'etlctl backup create'");
        }

        if (!RouterLogFormat.CanRead(backup.Format))
            throw RequestValidation.Invalid("data", $"backup format {backup.Format} is newer than this router reads ({RouterLogFormat.Current}); upgrade the router first");
        for (var i = 0; i < backup.Pipelines.Count; i++) RequestValidation.Pipeline(backup.Pipelines[i].Definition, $"pipelines[{i}]");

        var result = await gateway.ProposeAsync(new Command { Restore = backup }, context, context.CancellationToken);
        result.Restore.CommitIndex = result.Index;
        return result.Restore;
    }
}
