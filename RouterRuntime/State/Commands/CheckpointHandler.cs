using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>
/// A checkpoint changes nothing: <see cref="CommandApplier"/> hashes the state as the whole entry left it, so every
/// node hashes the same thing and divergence shows.
/// </summary>
internal sealed class CheckpointHandler : ICommandHandler
{
    public Command.BodyOneofCase Kind => Command.BodyOneofCase.Checkpoint;

    public CommandResult Apply(Command command, ApplyContext context) => new();
}
