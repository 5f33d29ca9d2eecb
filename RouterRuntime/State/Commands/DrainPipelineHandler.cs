using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>
/// The first call marks the pipeline draining (its sidecars see it in their assignments); every call answers how
/// far the drain has got. Nothing is rescheduled: the stages keep running until the pipeline is deleted.
/// </summary>
internal sealed class DrainPipelineHandler : ICommandHandler
{
    public Command.BodyOneofCase Kind => Command.BodyOneofCase.DrainPipeline;

    public CommandResult Apply(Command command, ApplyContext context)
    {
        var reference = command.DrainPipeline;
        if (!context.State.Pipelines.TryGetValue(RouterState.Key(reference), out var stored))
            return new CommandResult { DrainPipeline = new DrainPipelineResponse { Existed = false } };
        if (stored.DrainingSince is null) context.TouchedPipelines.Add(RouterState.Key(reference));
        stored.DrainingSince ??= context.Now;
        return new CommandResult { DrainPipeline = DrainProgress.Of(context.State, stored) };
    }
}
