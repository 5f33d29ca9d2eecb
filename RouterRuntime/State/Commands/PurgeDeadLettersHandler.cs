using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>Deletes the matching dead letters for good (a person asked for it).</summary>
internal sealed class PurgeDeadLettersHandler : ICommandHandler
{
    public Command.BodyOneofCase Kind => Command.BodyOneofCase.PurgeDeadLetters;

    public CommandResult Apply(Command command, ApplyContext context)
    {
        var letters = context.State.DeadLetters;
        var purged = letters.Remove(letters.Matching(command.PurgeDeadLetters).Select(d => d.Id).ToHashSet(StringComparer.Ordinal));
        return new CommandResult { PurgeDeadLetters = new PurgeDeadLettersResponse { Purged = (uint)purged } };
    }
}
