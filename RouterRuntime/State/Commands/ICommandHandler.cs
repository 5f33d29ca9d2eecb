using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>
/// Applies one kind of committed command to the state (<see cref="CommandHandlers"/> holds one per kind). A handler
/// must be deterministic: it reads only the command, the leader's <c>issued_at</c> and the state, so every node that
/// applies the same log ends in the same state. Commands were validated before they reached the log; anything odd
/// is answered, not thrown. A new command is a new handler plus its entry in <see cref="RouterLogFormat"/>.
/// </summary>
internal interface ICommandHandler
{
    Command.BodyOneofCase Kind { get; }

    CommandResult Apply(Command command, ApplyContext context);
}
