using System.Collections.Concurrent;
using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.Leadership;

/// <summary>
/// Flow reports waiting to be committed. Sidecars report every few seconds each to whichever node they reach;
/// every node keeps the newest per sidecar, a follower hands its batch to the leader about once a second
/// (<see cref="FlowForwarder"/>) and the leader commits them together (<see cref="LeaderDuties"/>): ten thousand
/// sidecars' reports cost two forwarded calls and one log entry every two seconds, not ten thousand of each.
/// </summary>
internal sealed class FlowBuffer
{
    private readonly ConcurrentDictionary<string, FlowReport> pending = new(StringComparer.Ordinal);

    public void Add(FlowReports reports)
    {
        foreach (var report in reports.Reports) pending[report.SidecarId] = report;
    }

    /// <summary>Puts back reports that could not be handed on, unless a newer one for the sidecar came meanwhile.</summary>
    public void Restore(FlowReports reports)
    {
        foreach (var report in reports.Reports) pending.TryAdd(report.SidecarId, report);
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
