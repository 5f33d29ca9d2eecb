using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Scheduling;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>Forgets a pipeline and its dead letters.</summary>
internal sealed class DeletePipelineHandler : ICommandHandler
{
    public Command.BodyOneofCase Kind => Command.BodyOneofCase.DeletePipeline;

    public CommandResult Apply(Command command, ApplyContext context)
    {
        var reference = command.DeletePipeline;
        var state = context.State;
        var key = RouterState.Key(reference);
        var existed = state.Pipelines.Remove(key, out var removed);
        if (existed)
        {
            context.TouchedPipelines.Add(key);
            state.DeadLetters.Remove(state.DeadLetters.Matching(new DeadLetterFilter { Pipeline = reference }).Select(d => d.Id).ToHashSet(StringComparer.Ordinal));
            state.Groups.Remove(key, removed!.Definition);
            context.DirtyGroups.UnionWith(StageGroups.Keys(removed.Definition));
            context.WrittenPipelines.Add(key);
        }

        return new CommandResult { DeletePipeline = new DeletePipelineResponse { Existed = existed } };
    }
}
