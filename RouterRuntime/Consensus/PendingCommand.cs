using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.Consensus;

/// <summary>
/// Travels with a command through DotNext as the log entry's context, on the leader only, so the caller that
/// proposed the command gets what applying it produced.
/// </summary>
internal sealed class PendingCommand
{
    private readonly TaskCompletionSource<CommandResult> applied = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<CommandResult> Applied => applied.Task;

    public void Complete(CommandResult result) => applied.TrySetResult(result);

    public void Fail(Exception error) => applied.TrySetException(error);
}

/// <summary>The context of a batch entry: one pending command per command in the batch, in order.</summary>
internal sealed class PendingBatch(IReadOnlyList<PendingCommand> commands)
{
    public IReadOnlyList<PendingCommand> Commands => commands;
}
