using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.State.Commands;

namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// Applies the commands of a committed log entry to the state, each through its handler (<see cref="CommandHandlers"/>,
/// one file per command), and then does once for the whole entry what they marked: one rescheduling pass, the
/// assignment index, a checkpoint's hash and one wake-up of the sidecars concerned. Deterministic: the handlers read
/// only the command (including the leader's <c>issued_at</c>) and the state, so every node that applies the same log
/// ends in the same state. The state takes the command's messages as they are (each command is parsed afresh from
/// its log entry), so a write is not copied again on its way in.
/// </summary>
internal sealed class CommandApplier(RouterState state, TimeSpan sidecarLease)
{
    private readonly ApplyContext context = new(state, sidecarLease);
    private readonly List<int> checkpoints = [];

    /// <summary>Applies one command as a log entry of its own.</summary>
    public CommandResult Apply(Command command, long index) => ApplyEntry([command], index)[0];

    /// <summary>
    /// Applies the commands of one log entry (one, or a group-committed batch) in order. They share one lock,
    /// one rescheduling pass and one change notification, so a batch of a hundred writes costs about as much
    /// as one.
    /// </summary>
    public CommandResult[] ApplyEntry(IReadOnlyList<Command> commands, long index)
    {
        var results = new CommandResult[commands.Count];
        IReadOnlyCollection<string>? wake;
        lock (state.Sync)
        {
            var epochBefore = state.Epoch;
            for (var i = 0; i < commands.Count; i++)
            {
                results[i] = ApplyOne(commands[i], index);
                if (commands[i].BodyCase == Command.BodyOneofCase.Checkpoint) checkpoints.Add(i);
                results[i].Index = (ulong)index;
            }

            if (context.Everything || context.DirtyServices.Count > 0) state.Reschedule(context.Everything ? null : context.DirtyServices);
            if (!context.Everything && context.DirtyGroups.Count > 0) state.RescheduleGroups(context.DirtyGroups, context.WrittenPipelines);
            wake = TouchedSidecars(epochBefore);
            context.Reset();
            state.AppliedIndex = index;
            state.Revise();

            // A checkpoint hashes the state as the whole entry left it, so every node hashes the same thing.
            if (checkpoints.Count > 0)
            {
                var hash = StateHash.Of(state);
                state.Checkpoints.Add(index, hash);
                foreach (var i in checkpoints) results[i].Checkpoint = hash;
                checkpoints.Clear();
            }
        }

        state.NotifyChanged();
        if (wake is null || wake.Count > 0) state.NotifyAssignmentsTouched(wake);
        return results;
    }

    /// <summary>
    /// The sidecars whose assignments the entry may have changed (null: all): those registered or gone, and every
    /// sidecar that ran or runs a stage of a pipeline the entry wrote, deleted, drained or rescheduled (a stage's
    /// inputs and outputs name the sidecars of its neighbours, so a change to one stage concerns the whole
    /// pipeline). Updates the assignment index for those pipelines.
    /// </summary>
    private IReadOnlyCollection<string>? TouchedSidecars(ulong epochBefore)
    {
        if (context.Everything)
        {
            state.Assignments = AssignmentIndex.Of(state.Pipelines);
            return null;
        }

        var touchedPipelines = context.TouchedPipelines;
        if (state.Epoch != epochBefore)
        {
            foreach (var (key, pipeline) in state.Pipelines)
            {
                if (pipeline.Stages.Any(stage => stage.Epoch > epochBefore)) touchedPipelines.Add(key);
            }
        }

        if (touchedPipelines.Count == 0 && context.TouchedSidecars.Count == 0) return [];

        var index = state.Assignments;
        foreach (var sidecar in context.TouchedSidecars) touchedPipelines.UnionWith(index.PipelinesOf(sidecar));
        var wake = new HashSet<string>(context.TouchedSidecars, StringComparer.Ordinal);
        foreach (var key in touchedPipelines) wake.UnionWith(index.SidecarsOf(key));
        index.Update(state.Pipelines, touchedPipelines);
        foreach (var key in touchedPipelines) wake.UnionWith(index.SidecarsOf(key));
        return wake;
    }

    private CommandResult ApplyOne(Command command, long index)
    {
        // The state machine checked the entry's format and stops at anything it cannot apply; a nested batch is
        // never written, so reaching one means the entry is not what a router wrote.
        if (command.BodyCase == Command.BodyOneofCase.Batch)
            return new CommandResult { NotFound = $"log entry {index} nests a batch in a batch" };

        context.Now = command.IssuedAt ?? new Google.Protobuf.WellKnownTypes.Timestamp();
        return CommandHandlers.For(command.BodyCase)?.Apply(command, context) ?? new CommandResult { Done = true };
    }
}
