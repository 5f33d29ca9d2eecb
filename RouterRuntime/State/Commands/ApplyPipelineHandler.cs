using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Scheduling;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>Stores a pipeline's definition unless a newer generation is stored; its stages keep their placements.</summary>
internal sealed class ApplyPipelineHandler : ICommandHandler
{
    public Command.BodyOneofCase Kind => Command.BodyOneofCase.ApplyPipeline;

    public CommandResult Apply(Command command, ApplyContext context)
    {
        var definition = command.ApplyPipeline;
        var state = context.State;
        var key = RouterState.Key(definition.Ref);
        ApplyOutcome outcome;
        if (state.Pipelines.TryGetValue(key, out var stored))
        {
            if (stored.Definition.Generation > definition.Generation) outcome = ApplyOutcome.Stale;
            else if (stored.Definition.Generation == definition.Generation && stored.Definition.Equals(definition)) outcome = ApplyOutcome.Unchanged;
            else outcome = ApplyOutcome.Updated;
        }
        else
        {
            outcome = ApplyOutcome.Created;
        }

        if (outcome is ApplyOutcome.Created or ApplyOutcome.Updated)
        {
            var previous = stored;
            stored = new StoredPipeline { Definition = definition, UpdatedAt = context.Now };
            if (previous is not null)
            {
                stored.Stages.AddRange(previous.Stages);
                state.Groups.Remove(key, previous.Definition);
            }

            PipelineStages.Align(stored);
            state.Pipelines[key] = stored;
            state.Groups.Add(key, definition);
            context.DirtyGroups.UnionWith(StageGroups.Keys(definition).Concat(StageGroups.Keys(previous?.Definition)));
            context.WrittenPipelines.Add(key);
            context.TouchedPipelines.Add(key);
        }

        return new CommandResult
        {
            ApplyPipeline = new ApplyPipelineResponse { Outcome = outcome, StoredGeneration = stored!.Definition.Generation },
        };
    }
}
