using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Configuration;
using EtlRouter.Sidecar.Connections;
using EtlRouter.Sidecar.Model;
using EtlRouter.Sidecar.Stages;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace EtlRouter.Sidecar.Coordination;

/// <summary>
/// Tells the router, every FLOW_REPORT_SECONDS (and at once when a drain finishes), each stage's counters and each edge's credit and backlog, so
/// pipeline status and the dashboard can show where a pipeline is throttled. Never carries records.
/// </summary>
internal sealed class FlowReporter(SidecarOptions options, RouterClients router, StageSupervisor supervisor, FlowReportRequests requests, ILogger<FlowReporter> logger) : BackgroundService
{
    public FlowReport Snapshot()
    {
        var report = new FlowReport { SidecarId = options.SidecarId, At = Timestamp.FromDateTime(DateTime.UtcNow) };
        foreach (var runner in supervisor.Running)
        {
            var stage = runner.Context;
            var (p50, p99) = stage.Counters.Latency.Percentiles();
            report.Stages.Add(new StageFlow
            {
                Pipeline = stage.Assignment.Pipeline,
                Stage = stage.Key.Stage,
                RecordsIn = (ulong)stage.Counters.RecordsIn,
                RecordsOut = (ulong)stage.Counters.RecordsOut,
                RecordsFailed = (ulong)stage.Counters.RecordsFailed,
                InFlight = (ulong)Math.Max(0, runner.Source?.InFlight ?? 0),
                Draining = runner.Source?.Draining ?? stage.Assignment.Draining,
                Drained = runner.Source?.Drained.IsCompleted ?? false,
                LatencyP50Ms = p50,
                LatencyP99Ms = p99,
            });
            foreach (var edge in runner.Outputs.Edges)
            {
                report.Edges.Add(new EdgeFlow
                {
                    Pipeline = stage.Assignment.Pipeline,
                    FromStage = edge.Address.FromStage,
                    ToStage = edge.Address.ToStage,
                    CreditsRecords = (ulong)Math.Max(0, edge.CreditRecords),
                    CreditsBytes = (ulong)Math.Max(0, edge.CreditBytes),
                    Backlog = (ulong)Math.Max(0, edge.Backlog),
                });
            }
        }

        return report;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await requests.WaitAsync(options.FlowReportInterval, stoppingToken);
                if (supervisor.Running.Count == 0) continue;
                try
                {
                    await router.Coordinator.ReportFlowAsync(Snapshot(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: stoppingToken);
                }
                catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogDebug("Flow report not taken ({Status}); the next one carries the totals", e.StatusCode);
                }
            }
        }
        catch (Exception e) when (Stopped.By(e, stoppingToken))
        {
            // Shutting down.
        }
    }
}
