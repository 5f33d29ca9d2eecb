using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>A sidecar's heartbeat: its lease runs a full term from the leader's time of the command.</summary>
internal sealed class RenewLeaseHandler : ICommandHandler
{
    public Command.BodyOneofCase Kind => Command.BodyOneofCase.RenewLease;

    public CommandResult Apply(Command command, ApplyContext context)
    {
        var sidecarId = command.RenewLease;
        var state = context.State;
        if (!state.Sidecars.TryGetValue(sidecarId, out var sidecar))
            return new CommandResult { NotFound = $"sidecar '{sidecarId}' is not registered (its lease expired); register again" };

        sidecar.LeaseExpiresAt = Timestamp.FromDateTimeOffset(context.Now.ToDateTimeOffset() + context.SidecarLease);
        state.Leases.Set(sidecarId, sidecar.LeaseExpiresAt);
        return new CommandResult { RenewLease = new HeartbeatResponse { LeaseSeconds = (uint)context.SidecarLease.TotalSeconds, Epoch = state.Epoch } };
    }
}
