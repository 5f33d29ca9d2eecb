using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.Consensus;

/// <summary>
/// Travels with a command through DotNext as the log entry's context, on the leader only, so the caller that
/// proposed the command gets what applying it produced.
/// </summary>
public sealed class PendingCommand
{
    private readonly TaskCompletionSource<CommandResult> applied = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<CommandResult> Applied => applied.Task;

    public void Complete(CommandResult result) => applied.TrySetResult(result);
}
