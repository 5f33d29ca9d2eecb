using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>
/// The leader's periodic sweep: sidecars whose lease ran out by the command's time are removed and their stages
/// rescheduled, and dead-letter retention by age is enforced (it needs a clock, and this is the one every node shares).
/// </summary>
internal sealed class ExpireLeasesHandler : ICommandHandler
{
    public Command.BodyOneofCase Kind => Command.BodyOneofCase.ExpireLeases;

    public CommandResult Apply(Command command, ApplyContext context)
    {
        var state = context.State;
        var now = context.Now;
        var expired = state.Sidecars.Values.Where(s => s.LeaseExpiresAt <= now).Select(s => s.Registration.SidecarId).ToList();
        context.MarkForRescheduling(expired.SelectMany(id => state.Services(state.Sidecars[id])));
        context.TouchedSidecars.UnionWith(expired);
        if (expired.Count > 0) state.SidecarsChanged();
        foreach (var id in expired)
        {
            state.Sidecars.Remove(id);
            state.Leases.Remove(id);
            state.Flow.Remove(id);
        }

        state.DeadLetters.EnforceAll(key => state.Pipelines.GetValueOrDefault(key)?.Definition.Dlq, now);
        return new CommandResult { Done = true };
    }
}
