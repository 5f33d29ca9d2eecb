using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>
/// Takes pipelines and dead letters from the backup; keeps the sidecars that are alive now (the ones in the backup
/// may be long gone, and live ones re-register anyway) and the cluster's members as they are. The epoch only rises,
/// so no sidecar mistakes the restored assignments for stale ones.
/// </summary>
internal sealed class RestoreHandler : ICommandHandler
{
    public Command.BodyOneofCase Kind => Command.BodyOneofCase.Restore;

    public CommandResult Apply(Command command, ApplyContext context)
    {
        var backup = command.Restore;
        var state = context.State;
        var liveSidecars = state.Sidecars.Values.ToList();
        var liveMembers = state.MemberFormats.Values.ToList();
        var epoch = Math.Max(state.Epoch, backup.Epoch) + 1;
        var applied = state.AppliedIndex;
        state.Load(backup);
        state.AppliedIndex = applied;
        state.Sidecars.Clear();
        state.Flow.Clear();
        foreach (var sidecar in liveSidecars) state.Sidecars[sidecar.Registration.SidecarId] = sidecar;
        state.Leases.Rebuild(liveSidecars);
        state.SidecarsChanged();
        state.MemberFormats.Clear();
        foreach (var member in liveMembers) state.MemberFormats[member.RaftAddress] = member;
        foreach (var pipeline in state.Pipelines.Values)
        {
            foreach (var stage in pipeline.Stages) stage.Epoch = epoch;
        }

        state.Epoch = epoch;
        context.Everything = true;
        return new CommandResult
        {
            Restore = new RestoreBackupResponse { Pipelines = (uint)state.Pipelines.Count, DeadLetters = (uint)state.DeadLetters.Count },
        };
    }
}
