using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Scheduling;

namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// Read models built from the state for the APIs: a pipeline's observed state, a sidecar's assignments, the
/// endpoints of a service. Callers hold <see cref="RouterState.Sync"/>; everything returned is a copy.
/// </summary>
public static class StateViews
{
    public static PipelineState Pipeline(RouterState state, StoredPipeline stored)
    {
        var view = new PipelineState { Definition = stored.Definition.Clone(), UpdatedAt = stored.UpdatedAt };
        var reports = state.Flow.Values.ToList();
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

            foreach (var flow in reports.SelectMany(r => r.Stages).Where(f => Same(f.Pipeline, stored.Definition.Ref) && f.Stage == definition.Name))
            {
                stage.RecordsIn += flow.RecordsIn;
                stage.RecordsOut += flow.RecordsOut;
                stage.RecordsFailed += flow.RecordsFailed;
            }

            view.Stages.Add(stage);
            if (definition.Kind == StageKind.Source) view.RecordsIn += stage.RecordsOut;
            if (definition.Kind == StageKind.Sink) view.RecordsOut += stage.RecordsOut;

            foreach (var input in definition.Inputs)
            {
                var edge = new EdgeState
                {
                    FromStage = input,
                    ToStage = definition.Name,
                    BudgetRecords = budget.MaxInFlightRecords,
                    BudgetBytes = budget.MaxInFlightBytes,
                    BatchSize = budget.BatchSize,
                };
                var senders = reports
                    .SelectMany(r => r.Edges.Select(e => (Report: r, Edge: e)))
                    .Where(x => Same(x.Edge.Pipeline, stored.Definition.Ref) && x.Edge.FromStage == input && x.Edge.ToStage == definition.Name)
                    .ToList();
                foreach (var (report, flow) in senders)
                {
                    edge.CreditsRecords += flow.CreditsRecords;
                    edge.CreditsBytes += flow.CreditsBytes;
                    edge.Backlog += flow.Backlog;
                    if (edge.ReportedAt is null || report.At > edge.ReportedAt) edge.ReportedAt = report.At;
                }

                edge.Throttled = senders.Count > 0 && edge.Backlog > 0 && (edge.CreditsRecords == 0 || edge.CreditsBytes == 0);
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
        foreach (var pipeline in state.Pipelines.Values)
        {
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
                };
                foreach (var downstream in pipeline.Definition.Stages.Where(s => s.Inputs.Contains(definition.Name)))
                {
                    var edge = new OutputEdge { ToStage = downstream.Name, Budget = budget.Clone() };
                    if (pipeline.Stages.FirstOrDefault(s => s.Name == downstream.Name) is { } target)
                        edge.Targets.AddRange(Assignments(state, target));
                    assigned.Outputs.Add(edge);
                }

                result.Stages.Add(assigned);
            }
        }

        return result;
    }

    public static IEnumerable<ServiceEndpoint> Endpoints(RouterState state, StageKind kind, string service) =>
        state.Sidecars.Values
            .SelectMany(s => s.Registration.Services.Select(found => (Sidecar: s.Registration, Found: found)))
            .Where(x => (kind == StageKind.Unspecified || x.Found.Kind == kind) && (service.Length == 0 || x.Found.Name == service))
            .Select(x => new ServiceEndpoint { SidecarId = x.Sidecar.SidecarId, Pod = x.Sidecar.Pod, Address = x.Sidecar.Address, Kind = x.Found.Kind, Service = x.Found.Name });

    private static bool Same(PipelineRef? a, PipelineRef b) => a is not null && a.Namespace == b.Namespace && a.Name == b.Name;
}
