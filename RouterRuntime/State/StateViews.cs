using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Scheduling;

namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// Read models built from the state for the APIs: a pipeline's observed state, a sidecar's assignments, the
/// endpoints of a service. Callers hold <see cref="RouterState.Sync"/>; everything returned is a copy.
/// </summary>
internal static class StateViews
{
    public static PipelineState Pipeline(RouterState state, StoredPipeline stored) => Pipeline(state, stored, FlowIndex.Of(state));

    /// <summary>Several pipelines' states; the flow reports are indexed once for all of them.</summary>
    public static IEnumerable<PipelineState> Pipelines(RouterState state, IEnumerable<StoredPipeline> pipelines)
    {
        var flow = FlowIndex.Of(state);
        return pipelines.Select(p => Pipeline(state, p, flow));
    }

    private static PipelineState Pipeline(RouterState state, StoredPipeline stored, FlowIndex flow)
    {
        var view = new PipelineState { Definition = stored.Definition.Clone(), UpdatedAt = stored.UpdatedAt, DrainingSince = stored.DrainingSince };
        var key = RouterState.Key(stored.Definition.Ref);
        var budget = CreditBudgets.For(stored.Definition);

        foreach (var definition in stored.Definition.Stages)
        {
            var assigned = stored.Stages.FirstOrDefault(s => s.Name == definition.Name);
            var stage = new StageState
            {
                Name = definition.Name,
                Kind = definition.Kind,
                Service = definition.Service,
                UnassignedReason = assigned?.UnassignedReason ?? "not scheduled yet",
            };
            if (assigned is not null) stage.Assignments.AddRange(Assignments(state, assigned));
            if (flow.Stages.TryGetValue((key, definition.Name), out var counts))
            {
                stage.RecordsIn = counts.RecordsIn;
                stage.RecordsOut = counts.RecordsOut;
                stage.RecordsFailed = counts.RecordsFailed;
                stage.LatencyP50Ms = counts.LatencyP50Ms;
                stage.LatencyP99Ms = counts.LatencyP99Ms;
            }

            view.Stages.Add(stage);
            if (definition.Kind == StageKind.Source) view.RecordsIn += stage.RecordsOut;
            if (definition.Kind == StageKind.Sink) view.RecordsOut += stage.RecordsOut;

            foreach (var input in definition.Inputs)
            {
                var edge = flow.Edges.TryGetValue((key, input, definition.Name), out var reported) ? reported : new EdgeState();
                edge.FromStage = input;
                edge.ToStage = definition.Name;
                edge.BudgetRecords = budget.MaxInFlightRecords;
                edge.BudgetBytes = budget.MaxInFlightBytes;
                edge.BatchSize = budget.BatchSize;
                edge.Condition = definition.InputConditions.GetValueOrDefault(input, string.Empty);
                view.Edges.Add(edge);
            }
        }

        view.DeadLetters = (ulong)state.DeadLetters.CountFor(stored.Definition.Ref);
        return view;
    }

    public static IEnumerable<StageAssignment> Assignments(RouterState state, StoredStage stage) =>
        stage.Sidecars
            .Where(state.Sidecars.ContainsKey)
            .Select(id => state.Sidecars[id].Registration)
            .Select(r => new StageAssignment { SidecarId = r.SidecarId, Pod = r.Pod, Address = r.Address, Epoch = stage.Epoch });

    /// <summary>Everything one sidecar must run now, with where each output goes and its budgets.</summary>
    public static SidecarAssignments ForSidecar(RouterState state, string sidecarId)
    {
        var result = new SidecarAssignments { SidecarId = sidecarId, Epoch = state.Epoch, Registered = state.Sidecars.ContainsKey(sidecarId) };

        // Only the pipelines it runs a stage of (the index), in the state's order: ten thousand pipelines cost a
        // sidecar with three stages nothing.
        foreach (var key in state.Assignments.PipelinesOf(sidecarId).Order(StringComparer.Ordinal))
        {
            if (!state.Pipelines.TryGetValue(key, out var pipeline)) continue;
            var budget = CreditBudgets.For(pipeline.Definition);
            foreach (var stored in pipeline.Stages)
            {
                var replica = stored.Sidecars.IndexOf(sidecarId);
                if (replica < 0) continue;
                var definition = pipeline.Definition.Stages.First(s => s.Name == stored.Name);
                var assigned = new AssignedStage
                {
                    Pipeline = pipeline.Definition.Ref.Clone(),
                    Generation = pipeline.Definition.Generation,
                    Stage = definition.Clone(),
                    Replica = (uint)replica,
                    ReplicaCount = (uint)stored.Sidecars.Count,
                    InputBudget = budget.Clone(),
                    Dlq = pipeline.Definition.Dlq?.Clone(),
                    Epoch = stored.Epoch,
                    Draining = pipeline.DrainingSince is not null,
                    Unmatched = pipeline.Definition.Unmatched,
                };
                foreach (var downstream in pipeline.Definition.Stages.Where(s => s.Inputs.Contains(definition.Name)))
                {
                    var edge = new OutputEdge
                    {
                        ToStage = downstream.Name,
                        Budget = budget.Clone(),
                        Condition = downstream.InputConditions.GetValueOrDefault(definition.Name, string.Empty),
                    };
                    if (pipeline.Stages.FirstOrDefault(s => s.Name == downstream.Name) is { } target)
                        edge.Targets.AddRange(Assignments(state, target));
                    assigned.Outputs.Add(edge);
                }

                foreach (var input in definition.Inputs)
                {
                    var upstream = new InputEdge { FromStage = input };
                    if (pipeline.Stages.FirstOrDefault(s => s.Name == input) is { } source) upstream.SidecarIds.AddRange(source.Sidecars);
                    assigned.Inputs.Add(upstream);
                }

                result.Stages.Add(assigned);
            }
        }

        return result;
    }

    public static IEnumerable<ServiceEndpoint> Endpoints(RouterState state, StageKind kind, string service, string @namespace = "") =>
        state.Sidecars.Values
            .Where(s => @namespace.Length == 0 || Scheduling.AssignmentRule.InNamespace(s, @namespace))
            .SelectMany(s => s.Registration.Services.Select(found => (Sidecar: s.Registration, Found: found)))
            .Where(x => (kind == StageKind.Unspecified || x.Found.Kind == kind) && (service.Length == 0 || x.Found.Name == service))
            .Select(x => new ServiceEndpoint { SidecarId = x.Sidecar.SidecarId, Pod = x.Sidecar.Pod, Address = x.Sidecar.Address, Kind = x.Found.Kind, Service = x.Found.Name });

    /// <summary>The sidecars' flow reports summed per stage and per edge, in one pass over them.</summary>
    private sealed class FlowIndex
    {
        public Dictionary<(string Pipeline, string Stage), StageState> Stages { get; } = [];

        public Dictionary<(string Pipeline, string From, string To), EdgeState> Edges { get; } = [];

        public static FlowIndex Of(RouterState state)
        {
            var index = new FlowIndex();
            foreach (var report in state.Flow.Values)
            {
                foreach (var flow in report.Stages.Where(f => f.Pipeline is not null))
                {
                    var key = (RouterState.Key(flow.Pipeline), flow.Stage);
                    if (!index.Stages.TryGetValue(key, out var sum)) index.Stages[key] = sum = new StageState();
                    sum.RecordsIn += flow.RecordsIn;
                    sum.RecordsOut += flow.RecordsOut;
                    sum.RecordsFailed += flow.RecordsFailed;
                    sum.LatencyP50Ms = Math.Max(sum.LatencyP50Ms, flow.LatencyP50Ms);
                    sum.LatencyP99Ms = Math.Max(sum.LatencyP99Ms, flow.LatencyP99Ms);
                }

                foreach (var flow in report.Edges.Where(f => f.Pipeline is not null))
                {
                    var key = (RouterState.Key(flow.Pipeline), flow.FromStage, flow.ToStage);
                    if (!index.Edges.TryGetValue(key, out var sum)) index.Edges[key] = sum = new EdgeState();
                    sum.CreditsRecords += flow.CreditsRecords;
                    sum.CreditsBytes += flow.CreditsBytes;
                    sum.Backlog += flow.Backlog;
                    if (sum.ReportedAt is null || report.At > sum.ReportedAt) sum.ReportedAt = report.At;
                }
            }

            // Throttled: the senders reported a backlog and no credit to send it with.
            foreach (var edge in index.Edges.Values)
                edge.Throttled = edge.Backlog > 0 && (edge.CreditsRecords == 0 || edge.CreditsBytes == 0);
            return index;
        }
    }
}
