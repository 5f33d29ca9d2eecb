using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>Marks the matching dead letters for replay; the sidecars of their stages pick them up.</summary>
internal sealed class ReplayDeadLettersHandler : ICommandHandler
{
    public Command.BodyOneofCase Kind => Command.BodyOneofCase.ReplayDeadLetters;

    public CommandResult Apply(Command command, ApplyContext context)
    {
        uint requested = 0;
        foreach (var deadLetter in context.State.DeadLetters.Matching(command.ReplayDeadLetters))
        {
            deadLetter.State = DeadLetterState.ReplayRequested;
            deadLetter.Replays++;
            requested++;
        }

        return new CommandResult { ReplayDeadLetters = new ReplayDeadLettersResponse { Requested = requested } };
    }
}
