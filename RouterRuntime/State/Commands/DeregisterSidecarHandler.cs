using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>A sidecar leaving on purpose: its stages move at once rather than when its lease runs out.</summary>
internal sealed class DeregisterSidecarHandler : ICommandHandler
{
    public Command.BodyOneofCase Kind => Command.BodyOneofCase.DeregisterSidecar;

    public CommandResult Apply(Command command, ApplyContext context)
    {
        var sidecarId = command.DeregisterSidecar;
        var state = context.State;
        context.MarkForRescheduling(state.Services(state.Sidecars.GetValueOrDefault(sidecarId)));
        context.TouchedSidecars.Add(sidecarId);
        state.SidecarsChanged();
        var existed = state.Sidecars.Remove(sidecarId);
        state.Leases.Remove(sidecarId);
        state.Flow.Remove(sidecarId);
        return new CommandResult { DeregisterSidecar = new DeregisterSidecarResponse { Existed = existed } };
    }
}
