using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>
/// Stores dead letters a sidecar handed over (once each, by id) and enforces each pipeline's limits; a letter
/// appended again while its replay was requested failed that replay, so it waits for a person again.
/// </summary>
internal sealed class AppendDeadLettersHandler : ICommandHandler
{
    public Command.BodyOneofCase Kind => Command.BodyOneofCase.AppendDeadLetters;

    public CommandResult Apply(Command command, ApplyContext context)
    {
        var request = command.AppendDeadLetters;
        var state = context.State;
        uint stored = 0;
        var evicted = 0;
        foreach (var deadLetter in request.DeadLetters)
        {
            if (state.DeadLetters.Get(deadLetter.Id) is { } known)
            {
                if (known.State == DeadLetterState.ReplayRequested)
                {
                    known.State = DeadLetterState.Failed;
                    known.Error = deadLetter.Error;
                    known.Attempts = deadLetter.Attempts;
                    known.LastFailedAt = deadLetter.LastFailedAt;
                }

                continue;
            }

            deadLetter.State = DeadLetterState.Failed;
            deadLetter.StoredAt = context.Now;
            state.DeadLetters.Add(deadLetter);
            stored++;
        }

        foreach (var pipeline in request.DeadLetters.Select(d => d.Pipeline).DistinctBy(RouterState.Key))
        {
            var policy = state.Pipelines.TryGetValue(RouterState.Key(pipeline), out var p) ? p.Definition.Dlq : null;
            evicted += state.DeadLetters.Enforce(pipeline, policy, context.Now);
        }

        return new CommandResult { AppendDeadLetters = new AppendDeadLettersResponse { Stored = stored, Evicted = (uint)evicted } };
    }
}
