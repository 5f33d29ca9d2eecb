using System.Collections.Concurrent;

namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// Lets each sidecar's assignment stream sleep until a change that concerns that sidecar: a log entry wakes
/// only the sidecars whose assignments it may have changed (<see cref="RouterState.AssignmentsTouched"/>), so
/// lease renewals, flow reports and other pipelines' writes cost a watching sidecar nothing.
/// </summary>
internal sealed class SidecarWakeups
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> waiting = new(StringComparer.Ordinal);

    public SidecarWakeups(RouterState state) => state.AssignmentsTouched += Wake;

    /// <summary>A task that completes at the next change concerning <paramref name="sidecarId"/> after this call.</summary>
    public Task Next(string sidecarId) =>
        waiting.GetOrAdd(sidecarId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private void Wake(IReadOnlyCollection<string>? sidecars)
    {
        if (sidecars is null)
        {
            foreach (var id in waiting.Keys) Wake(id);
            return;
        }

        foreach (var id in sidecars) Wake(id);
    }

    private void Wake(string sidecarId)
    {
        if (waiting.TryRemove(sidecarId, out var source)) source.TrySetResult();
    }
}
