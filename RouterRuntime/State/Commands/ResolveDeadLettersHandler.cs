using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>Removes dead letters whose replay went through.</summary>
internal sealed class ResolveDeadLettersHandler : ICommandHandler
{
    public Command.BodyOneofCase Kind => Command.BodyOneofCase.ResolveDeadLetters;

    public CommandResult Apply(Command command, ApplyContext context)
    {
        var resolved = context.State.DeadLetters.Remove(command.ResolveDeadLetters.Ids.ToHashSet(StringComparer.Ordinal));
        return new CommandResult { ResolveDeadLetters = new ResolveDeadLettersResponse { Resolved = (uint)resolved } };
    }
}
