using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Leadership;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Requests;
using EtlRouter.RouterRuntime.State;
using EtlRouter.RouterRuntime.Security;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Api;

/// <summary>Each sidecar's stream of assignments, and its flow reports.</summary>
internal sealed class SidecarCoordinatorApi(RouterState state, SidecarWakeups wakeups, FlowBuffer flow, ReadFreshness freshness)
    : SidecarCoordinator.SidecarCoordinatorBase
{
    public override async Task WatchAssignments(WatchAssignmentsRequest request, IServerStreamWriter<SidecarAssignments> responseStream, ServerCallContext context)
    {
        RequestValidation.SidecarId(request.SidecarId);
        context.RequireSidecarId(request.SidecarId, "sidecar_id");
        await freshness.BeforeReadAsync(context);
        SidecarAssignments? last = null;
        while (!context.CancellationToken.IsCancellationRequested)
        {
            var next = wakeups.Next(request.SidecarId);
            SidecarAssignments current;
            lock (state.Sync)
            {
                current = StateViews.ForSidecar(state, request.SidecarId);
            }

            // Woken only by entries that may concern this sidecar; still, only send what it acts on.
            if (last is null || !SameWork(last, current))
            {
                await responseStream.WriteAsync(current, context.CancellationToken);
                last = current;
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

    public override Task<FlowReportAck> ReportFlow(FlowReport request, ServerCallContext context)
    {
        RequestValidation.SidecarId(request.SidecarId);
        context.RequireSidecarId(request.SidecarId, "sidecar_id");
        if (request.Stages.Count + request.Edges.Count > 10_000)
            throw RequestValidation.Invalid("stages", "more than 10000 stage and edge entries in one report");
        // Kept here and committed in batches (FlowBuffer): a report is a figure, not a write to wait for.
        var reports = new FlowReports();
        reports.Reports.Add(request);
        flow.Add(reports);
        return Task.FromResult(new FlowReportAck { Epoch = state.Epoch });
    }

    private static bool SameWork(SidecarAssignments a, SidecarAssignments b) =>
        a.Registered == b.Registered && a.Stages.Equals(b.Stages);
}
