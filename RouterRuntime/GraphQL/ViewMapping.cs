using System.Text;
using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using Google.Protobuf.WellKnownTypes;
using EtlRouter.Contracts.Status;

namespace EtlRouter.RouterRuntime.GraphQL;

/// <summary>The API's protobuf messages as GraphQL views: names as the dashboard reads them, numbers as Long.</summary>
internal static class ViewMapping
{
    public static ClusterView Cluster(ClusterStatus status) => new(
        status.LeaderId.Length > 0 ? status.LeaderId : null,
        (long)status.Term,
        (long)status.CommitIndex,
        (long)status.AppliedIndex,
        status.AnsweredBy,
        (int)status.LogFormat,
        status.Nodes.Select(n => new NodeView(
            n.Id, n.Address, n.GrpcAddress.Length > 0 ? n.GrpcAddress : null, Role(n.Role), n.Healthy, (long)n.Term, (long)n.CommitIndex, (long)n.AppliedIndex,
            OrNull(n.StateHash), (long)n.CheckpointIndex, OrNull(n.CheckpointHash), (int)n.MaxLogFormat,
            n.HaltedReason.Length > 0 ? $"stopped at entry {n.HaltedAtIndex}: {n.HaltedReason}" : null, OrNull(n.LastRecovery))).ToList(),
        ClusterDivergence.Find(status.Nodes));

    private static string? OrNull(string text) => text.Length > 0 ? text : null;

    public static PipelineView Pipeline(PipelineState state)
    {
        var definition = state.Definition;
        var stages = state.Stages.Select(s =>
        {
            var stageDefinition = definition.Stages.First(d => d.Name == s.Name);
            var endpoint = s.Assignments.FirstOrDefault()?.Address is { Length: > 0 } address ? address : stageDefinition.Endpoint;
            return new StageView(
                s.Name, Kind(s.Kind), s.Service, endpoint.Length > 0 ? endpoint : null, stageDefinition.Inputs.ToList(), (int)Math.Max(1, stageDefinition.Replicas),
                s.Assignments.Select(a => new AssignmentView(a.SidecarId, a.Pod, a.Address, (long)a.Epoch)).ToList(),
                s.Assignments.Count == 0 && s.UnassignedReason.Length > 0 ? s.UnassignedReason : null,
                (long)s.RecordsIn, (long)s.RecordsOut, (long)s.RecordsFailed, s.LatencyP50Ms, s.LatencyP99Ms);
        }).ToList();
        var edges = state.Edges.Select(e => new EdgeView(
            e.FromStage, e.ToStage, e.BudgetRecords, (long)e.BudgetBytes, (int)e.BatchSize, (long)e.CreditsRecords, (long)e.CreditsBytes, (long)e.Backlog,
            e.Throttled, Pressure(e), Time(e.ReportedAt), e.Condition.Length > 0 ? e.Condition : null)).ToList();
        return new PipelineView(
            Id(definition.Ref), definition.Ref.Namespace, definition.Ref.Name, definition.Generation,
            definition.Stages.FirstOrDefault(s => s.Kind == StageKind.Source)?.Service,
            definition.Stages.LastOrDefault(s => s.Kind == StageKind.Sink)?.Service,
            stages, edges, (long)state.RecordsIn, (long)state.RecordsOut, (long)state.DeadLetters,
            state.Stages.Where(s => s.Kind == StageKind.Source).Select(s => s.LatencyP99Ms).DefaultIfEmpty(0).Max(),
            Time(state.DrainingSince), Time(state.UpdatedAt));
    }

    public static SidecarView Sidecar(StoredSidecar sidecar, IEnumerable<string> stages) => new(
        sidecar.Registration.SidecarId,
        sidecar.Registration.Pod,
        sidecar.Registration.Address,
        sidecar.Registration.Services.Select(s => $"{Kind(s.Kind)}/{s.Name}").ToList(),
        stages.ToList(),
        Time(sidecar.LeaseExpiresAt));

    public static DeadLetterView DeadLetter(DeadLetter d) => new(
        d.Id,
        Id(d.Pipeline),
        d.Stage,
        d.Record?.Id ?? string.Empty,
        d.Record?.Key is { Length: > 0 } key ? key : null,
        d.Record is null ? string.Empty : Encoding.UTF8.GetString(d.Record.Value.Span),
        d.Record?.Headers.Select(h => new HeaderView(h.Key, h.Value)).ToList() ?? [],
        d.Error,
        (int)d.Attempts,
        d.State == DeadLetterState.ReplayRequested ? "REPLAY_REQUESTED" : "FAILED",
        (int)d.Replays,
        Time(d.FirstFailedAt),
        Time(d.LastFailedAt),
        Time(d.StoredAt));

    public static string Id(PipelineRef? reference) => reference is null ? string.Empty : $"{reference.Namespace}/{reference.Name}";

    public static string Kind(StageKind kind) => kind switch
    {
        StageKind.Source => "SOURCE",
        StageKind.Transform => "TRANSFORM",
        StageKind.Sink => "SINK",
        _ => "UNSPECIFIED",
    };

    private static string Role(NodeRole role) => role switch
    {
        NodeRole.Leader => "LEADER",
        NodeRole.Follower => "FOLLOWER",
        NodeRole.Candidate => "CANDIDATE",
        _ => "UNKNOWN",
    };

    /// <summary>Share of the budget in use: the dashboard colours each edge by it.</summary>
    private static double Pressure(EdgeState edge)
    {
        if (edge.ReportedAt is null || edge.BudgetRecords == 0) return 0;
        if (edge.Throttled) return 1;
        var free = Math.Min(1.0, edge.CreditsRecords / (double)edge.BudgetRecords);
        return Math.Round(1 - free, 3);
    }

    private static DateTimeOffset? Time(Timestamp? timestamp) => timestamp is null ? null : timestamp.ToDateTimeOffset();
}
