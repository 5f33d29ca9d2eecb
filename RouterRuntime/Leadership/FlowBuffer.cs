using System.Collections.Concurrent;
using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.Leadership;

/// <summary>
/// Flow reports waiting on the leader to be committed. Sidecars report every few seconds each; committing
/// each report would fill the log, so the leader keeps the newest per sidecar and commits them together.
/// </summary>
internal sealed class FlowBuffer
{
    private readonly ConcurrentDictionary<string, FlowReport> pending = new(StringComparer.Ordinal);

    public void Add(FlowReports reports)
    {
        foreach (var report in reports.Reports) pending[report.SidecarId] = report;
    }

    public FlowReports? Drain()
    {
        if (pending.IsEmpty) return null;
        var batch = new FlowReports();
        foreach (var id in pending.Keys.Order(StringComparer.Ordinal))
        {
            if (pending.TryRemove(id, out var report)) batch.Reports.Add(report);
        }

        return batch.Reports.Count > 0 ? batch : null;
    }
}
