using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Scheduling;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// Applies one committed command to the state and says what it did. Deterministic: it reads only the command
/// (including the leader's <c>issued_at</c>) and the state, so every node that applies the same log ends in
/// the same state. Commands were validated before they reached the log; anything odd here is answered, not thrown.
/// The state takes the command's messages as they are (each command is parsed afresh from its log entry), so
/// a write is not copied again on its way in.
/// </summary>
internal sealed class CommandApplier(RouterState state, TimeSpan sidecarLease)
{
    // Services whose stages need rescheduling once the entry is applied (sidecars came or went), stage groups
    // a pipeline write touched, or everything.
    private readonly HashSet<(StageKind, string)> dirty = [];
    private readonly HashSet<SharedStageKey> dirtyGroups = [];
    private readonly HashSet<string> writtenPipelines = new(StringComparer.Ordinal);
    private readonly List<int> checkpoints = [];

    // What the entry changed that sidecars' assignments depend on: pipelines written, deleted or draining, and
    // sidecars registered or gone (every sidecar, after a restore). Sidecars of these are woken, no others.
    private readonly HashSet<string> touchedPipelines = new(StringComparer.Ordinal);
    private readonly HashSet<string> touchedSidecars = new(StringComparer.Ordinal);
    private bool touchedAll;
    private bool dirtyAll;

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

            if (dirtyAll || dirty.Count > 0) state.Reschedule(dirtyAll ? null : dirty);
            if (!dirtyAll && dirtyGroups.Count > 0) state.RescheduleGroups(dirtyGroups, writtenPipelines);
            dirty.Clear();
            dirtyGroups.Clear();
            writtenPipelines.Clear();
            dirtyAll = false;
            wake = TouchedSidecars(epochBefore);
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
        try
        {
            if (touchedAll)
            {
                state.Assignments = AssignmentIndex.Of(state.Pipelines);
                return null;
            }

            if (state.Epoch != epochBefore)
            {
                foreach (var (key, pipeline) in state.Pipelines)
                {
                    if (pipeline.Stages.Any(stage => stage.Epoch > epochBefore)) touchedPipelines.Add(key);
                }
            }

            if (touchedPipelines.Count == 0 && touchedSidecars.Count == 0) return [];

            var index = state.Assignments;
            foreach (var sidecar in touchedSidecars) touchedPipelines.UnionWith(index.PipelinesOf(sidecar));
            var wake = new HashSet<string>(touchedSidecars, StringComparer.Ordinal);
            foreach (var key in touchedPipelines) wake.UnionWith(index.SidecarsOf(key));
            index.Update(state.Pipelines, touchedPipelines);
            foreach (var key in touchedPipelines) wake.UnionWith(index.SidecarsOf(key));
            return wake;
        }
        finally
        {
            touchedPipelines.Clear();
            touchedSidecars.Clear();
            touchedAll = false;
        }
    }

    private CommandResult ApplyOne(Command command, long index)
    {
        // The state machine checked the entry's format and stops at anything it cannot apply; a nested batch is
        // never written, so reaching one means the entry is not what a router wrote.
        if (command.BodyCase == Command.BodyOneofCase.Batch)
            return new CommandResult { NotFound = $"log entry {index} nests a batch in a batch" };

        var now = command.IssuedAt ?? new Timestamp();
        return command.BodyCase switch
        {
            Command.BodyOneofCase.ApplyPipeline => ApplyPipeline(command.ApplyPipeline, now),
            Command.BodyOneofCase.DeletePipeline => DeletePipeline(command.DeletePipeline),
            Command.BodyOneofCase.DrainPipeline => DrainPipeline(command.DrainPipeline, now),
            Command.BodyOneofCase.RegisterSidecar => RegisterSidecar(command.RegisterSidecar, now),
            Command.BodyOneofCase.RenewLease => RenewLease(command.RenewLease, now),
            Command.BodyOneofCase.DeregisterSidecar => DeregisterSidecar(command.DeregisterSidecar),
            Command.BodyOneofCase.ExpireLeases => ExpireLeases(now),
            Command.BodyOneofCase.RecordFlow => RecordFlow(command.RecordFlow),
            Command.BodyOneofCase.AppendDeadLetters => AppendDeadLetters(command.AppendDeadLetters, now),
            Command.BodyOneofCase.ReplayDeadLetters => ReplayDeadLetters(command.ReplayDeadLetters),
            Command.BodyOneofCase.ResolveDeadLetters => ResolveDeadLetters(command.ResolveDeadLetters),
            Command.BodyOneofCase.PurgeDeadLetters => PurgeDeadLetters(command.PurgeDeadLetters),
            Command.BodyOneofCase.Restore => Restore(command.Restore),
            Command.BodyOneofCase.RecordMemberFormat => RecordMemberFormat(command.RecordMemberFormat),
            Command.BodyOneofCase.Checkpoint => new CommandResult(),
            _ => new CommandResult { Done = true },
        };
    }

    private void MarkForRescheduling(IEnumerable<(StageKind, string)> services) => dirty.UnionWith(services);

    private CommandResult ApplyPipeline(PipelineDefinition definition, Timestamp now)
    {
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
            stored = new StoredPipeline { Definition = definition, UpdatedAt = now };
            if (previous is not null)
            {
                stored.Stages.AddRange(previous.Stages);
                state.Groups.Remove(key, previous.Definition);
            }

            PipelineStages.Align(stored);
            state.Pipelines[key] = stored;
            state.Groups.Add(key, definition);
            dirtyGroups.UnionWith(StageGroups.Keys(definition).Concat(StageGroups.Keys(previous?.Definition)));
            writtenPipelines.Add(key);
            touchedPipelines.Add(key);
        }

        return new CommandResult
        {
            ApplyPipeline = new ApplyPipelineResponse { Outcome = outcome, StoredGeneration = stored!.Definition.Generation },
        };
    }

    private CommandResult DeletePipeline(PipelineRef reference)
    {
        var key = RouterState.Key(reference);
        var existed = state.Pipelines.Remove(key, out var removed);
        if (existed) touchedPipelines.Add(key);
        if (existed)
        {
            state.DeadLetters.Remove(state.DeadLetters.Matching(new DeadLetterFilter { Pipeline = reference }).Select(d => d.Id).ToHashSet(StringComparer.Ordinal));
            state.Groups.Remove(key, removed!.Definition);
            dirtyGroups.UnionWith(StageGroups.Keys(removed.Definition));
            writtenPipelines.Add(key);
        }

        return new CommandResult { DeletePipeline = new DeletePipelineResponse { Existed = existed } };
    }

    /// <summary>
    /// The first call marks the pipeline draining (its sidecars see it in their assignments); every call answers
    /// how far the drain has got. Nothing is rescheduled: the stages keep running until the pipeline is deleted.
    /// </summary>
    private CommandResult DrainPipeline(PipelineRef reference, Timestamp now)
    {
        if (!state.Pipelines.TryGetValue(RouterState.Key(reference), out var stored))
            return new CommandResult { DrainPipeline = new DrainPipelineResponse { Existed = false } };
        if (stored.DrainingSince is null) touchedPipelines.Add(RouterState.Key(reference));
        stored.DrainingSince ??= now;
        return new CommandResult { DrainPipeline = DrainProgress.Of(state, stored) };
    }

    private CommandResult RegisterSidecar(RegisterSidecarRequest registration, Timestamp now)
    {
        MarkForRescheduling(state.Services(state.Sidecars.GetValueOrDefault(registration.SidecarId)).Concat(registration.Services.Select(s => (s.Kind, s.Name))));
        touchedSidecars.Add(registration.SidecarId);
        state.SidecarsChanged();
        var stored = state.Sidecars[registration.SidecarId] = new StoredSidecar
        {
            Registration = registration,
            RegisteredAt = now,
            LeaseExpiresAt = Timestamp.FromDateTimeOffset(now.ToDateTimeOffset() + sidecarLease),
        };
        state.Leases.Set(registration.SidecarId, stored.LeaseExpiresAt);
        return new CommandResult
        {
            RegisterSidecar = new RegisterSidecarResponse
            {
                LeaseSeconds = (uint)sidecarLease.TotalSeconds,
                HeartbeatIntervalSeconds = HeartbeatInterval(sidecarLease),
            },
        };
    }

    private CommandResult RenewLease(string sidecarId, Timestamp now)
    {
        if (!state.Sidecars.TryGetValue(sidecarId, out var sidecar))
        {
            return new CommandResult { NotFound = $"sidecar '{sidecarId}' is not registered (its lease expired); register again" };
        }

        sidecar.LeaseExpiresAt = Timestamp.FromDateTimeOffset(now.ToDateTimeOffset() + sidecarLease);
        state.Leases.Set(sidecarId, sidecar.LeaseExpiresAt);
        return new CommandResult { RenewLease = new HeartbeatResponse { LeaseSeconds = (uint)sidecarLease.TotalSeconds, Epoch = state.Epoch } };
    }

    private CommandResult DeregisterSidecar(string sidecarId)
    {
        MarkForRescheduling(state.Services(state.Sidecars.GetValueOrDefault(sidecarId)));
        touchedSidecars.Add(sidecarId);
        state.SidecarsChanged();
        var existed = state.Sidecars.Remove(sidecarId);
        state.Leases.Remove(sidecarId);
        state.Flow.Remove(sidecarId);
        return new CommandResult { DeregisterSidecar = new DeregisterSidecarResponse { Existed = existed } };
    }

    private CommandResult ExpireLeases(Timestamp now)
    {
        var expired = state.Sidecars.Values.Where(s => s.LeaseExpiresAt <= now).Select(s => s.Registration.SidecarId).ToList();
        MarkForRescheduling(expired.SelectMany(id => state.Services(state.Sidecars[id])));
        touchedSidecars.UnionWith(expired);
        if (expired.Count > 0) state.SidecarsChanged();
        foreach (var id in expired)
        {
            state.Sidecars.Remove(id);
            state.Leases.Remove(id);
            state.Flow.Remove(id);
        }


        // Retention by age needs a clock; this periodic command is the one every node shares.
        state.DeadLetters.EnforceAll(key => state.Pipelines.GetValueOrDefault(key)?.Definition.Dlq, now);
        return new CommandResult { Done = true };
    }

    private CommandResult RecordFlow(FlowReports reports)
    {
        foreach (var report in reports.Reports)
        {
            if (state.Sidecars.ContainsKey(report.SidecarId)) state.Flow[report.SidecarId] = report;
        }

        return new CommandResult { Done = true };
    }

    private CommandResult AppendDeadLetters(AppendDeadLettersRequest request, Timestamp now)
    {
        uint stored = 0;
        var evicted = 0;
        foreach (var deadLetter in request.DeadLetters)
        {
            if (state.DeadLetters.Get(deadLetter.Id) is { } known)
            {
                // Appended again while a replay was requested: the replay failed, so it waits for a person again.
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
            deadLetter.StoredAt = now;
            state.DeadLetters.Add(deadLetter);
            stored++;
        }

        foreach (var pipeline in request.DeadLetters.Select(d => d.Pipeline).DistinctBy(RouterState.Key))
        {
            var policy = state.Pipelines.TryGetValue(RouterState.Key(pipeline), out var p) ? p.Definition.Dlq : null;
            evicted += state.DeadLetters.Enforce(pipeline, policy, now);
        }

        return new CommandResult { AppendDeadLetters = new AppendDeadLettersResponse { Stored = stored, Evicted = (uint)evicted } };
    }

    private CommandResult ReplayDeadLetters(DeadLetterFilter filter)
    {
        uint requested = 0;
        foreach (var deadLetter in state.DeadLetters.Matching(filter))
        {
            deadLetter.State = DeadLetterState.ReplayRequested;
            deadLetter.Replays++;
            requested++;
        }

        return new CommandResult { ReplayDeadLetters = new ReplayDeadLettersResponse { Requested = requested } };
    }

    private CommandResult ResolveDeadLetters(ResolveDeadLettersRequest request)
    {
        var resolved = state.DeadLetters.Remove(request.Ids.ToHashSet(StringComparer.Ordinal));
        return new CommandResult { ResolveDeadLetters = new ResolveDeadLettersResponse { Resolved = (uint)resolved } };
    }

    private CommandResult PurgeDeadLetters(DeadLetterFilter filter)
    {
        var purged = state.DeadLetters.Remove(state.DeadLetters.Matching(filter).Select(d => d.Id).ToHashSet(StringComparer.Ordinal));
        return new CommandResult { PurgeDeadLetters = new PurgeDeadLettersResponse { Purged = (uint)purged } };
    }

    /// <summary>
    /// Takes pipelines and dead letters from the backup; keeps the sidecars that are alive now (the ones in the
    /// backup may be long gone, and live ones re-register anyway). The epoch only rises, so no sidecar mistakes
    /// the restored assignments for stale ones.
    /// </summary>
    private CommandResult RecordMemberFormat(MemberFormat member)
    {
        state.MemberFormats[member.RaftAddress] = member;
        return new CommandResult { Done = true };
    }

    private CommandResult Restore(RouterSnapshot backup)
    {
        // A backup brings pipelines and dead letters; who the cluster's members are stays as it is now.
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
        dirtyAll = true;
        touchedAll = true;
        return new CommandResult
        {
            Restore = new RestoreBackupResponse { Pipelines = (uint)state.Pipelines.Count, DeadLetters = (uint)state.DeadLetters.Count },
        };
    }

    public static uint HeartbeatInterval(TimeSpan lease) => (uint)Math.Max(1, lease.TotalSeconds / 4);
}
