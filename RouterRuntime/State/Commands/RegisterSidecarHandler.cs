using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>Stores a sidecar's registration with a fresh lease; the stages of its old and new services are rescheduled.</summary>
internal sealed class RegisterSidecarHandler : ICommandHandler
{
    public Command.BodyOneofCase Kind => Command.BodyOneofCase.RegisterSidecar;

    public CommandResult Apply(Command command, ApplyContext context)
    {
        var registration = command.RegisterSidecar;
        var state = context.State;
        context.MarkForRescheduling(state.Services(state.Sidecars.GetValueOrDefault(registration.SidecarId)).Concat(registration.Services.Select(s => (s.Kind, s.Name))));
        context.TouchedSidecars.Add(registration.SidecarId);
        state.SidecarsChanged();
        var stored = state.Sidecars[registration.SidecarId] = new StoredSidecar
        {
            Registration = registration,
            RegisteredAt = context.Now,
            LeaseExpiresAt = Timestamp.FromDateTimeOffset(context.Now.ToDateTimeOffset() + context.SidecarLease),
        };
        state.Leases.Set(registration.SidecarId, stored.LeaseExpiresAt);
        return new CommandResult
        {
            RegisterSidecar = new RegisterSidecarResponse
            {
                LeaseSeconds = (uint)context.SidecarLease.TotalSeconds,
                HeartbeatIntervalSeconds = HeartbeatInterval(context.SidecarLease),
            },
        };
    }

    /// <summary>A quarter of the lease, so three heartbeats may be lost before it runs out.</summary>
    public static uint HeartbeatInterval(TimeSpan lease) => (uint)Math.Max(1, lease.TotalSeconds / 4);
}
