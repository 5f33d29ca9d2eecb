namespace EtlRouter.RouterRuntime.State;

/// <summary>Lets watch streams sleep until the state changes, without polling.</summary>
internal sealed class StateChanges
{
    private TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StateChanges(RouterState state) => state.Changed += Signal;

    /// <summary>A task that completes at the next change after this call.</summary>
    public Task Next => Volatile.Read(ref next).Task;

    private void Signal() =>
        Interlocked.Exchange(ref next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
