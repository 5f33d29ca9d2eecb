using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Scheduling;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// The replicated state: pipelines with their stage assignments, sidecars with their leases, dead letters and
/// the flow reports. Only <see cref="CommandApplier"/> changes it, one committed command at a time, so every
/// node holds the same state at the same log index. Readers take <see cref="Sync"/> and copy what they need.
/// </summary>
internal sealed class RouterState
{
    public object Sync { get; } = new();

    public SortedDictionary<string, StoredPipeline> Pipelines { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, StoredSidecar> Sidecars { get; } = new(StringComparer.Ordinal);

    public DeadLetterStore DeadLetters { get; } = new();

    /// <summary>The newest flow report of each live sidecar.</summary>
    public SortedDictionary<string, FlowReport> Flow { get; } = new(StringComparer.Ordinal);

    /// <summary>Which stages share their sidecars; derived from <see cref="Pipelines"/> (not part of snapshots).</summary>
    public StageGroups Groups { get; } = new();

    /// <summary>Which log formats each member of the Raft group applies, by Raft address (as the log records it).</summary>
    public SortedDictionary<string, MemberFormat> MemberFormats { get; } = new(StringComparer.Ordinal);

    /// <summary>This node's recent checkpoints: the entry's index and the state's hash there. Not replicated.</summary>
    public RecentCheckpoints Checkpoints { get; } = new();

    /// <summary>Rises with every change to the state (applied entry or load): what caches key on.</summary>
    public long Revision { get; private set; }

    /// <summary>When each sidecar's lease ends, for readers that must not wait for the state's lock.</summary>
    public LeaseTable Leases { get; } = new();

    private ulong epoch;

    /// <summary>Rises whenever any assignment changes. Readable without the lock (heartbeat and flow answers).</summary>
    public ulong Epoch
    {
        get => Volatile.Read(ref epoch);
        set => Volatile.Write(ref epoch, value);
    }

    /// <summary>The log index of the last command applied.</summary>
    public long AppliedIndex { get; set; }

    /// <summary>Raised after each applied command (under no lock); watchers re-read what they follow.</summary>
    public event Action? Changed;

    /// <summary>
    /// Raised after an entry (under no lock) with the sidecars whose assignments it may have changed; null: all of
    /// them (a restore, a snapshot loaded).
    /// </summary>
    public event Action<IReadOnlyCollection<string>?>? AssignmentsTouched;

    /// <summary>Which sidecars run which pipelines' stages, as of the last entry that changed any.</summary>
    public AssignmentIndex Assignments { get; set; } = AssignmentIndex.Of(new Dictionary<string, StoredPipeline>());

    public void NotifyAssignmentsTouched(IReadOnlyCollection<string>? sidecars) => AssignmentsTouched?.Invoke(sidecars);

    public static string Key(PipelineRef reference) => $"{reference.Namespace}/{reference.Name}";

    public void NotifyChanged() => Changed?.Invoke();

    /// <summary>Counts a change; call under <see cref="Sync"/> with the change.</summary>
    public void Revise() => Revision++;

    private (long Revision, string? Hash) hashed;

    /// <summary>The <see cref="StateHash"/> of the state as it is, computed once per change; call under <see cref="Sync"/>.</summary>
    public string Hash()
    {
        if (hashed.Hash is null || hashed.Revision != Revision) hashed = (Revision, StateHash.Of(this));
        return hashed.Hash;
    }

    /// <summary>Recomputes assignments after sidecars changed; all of them, or those of some services.</summary>
    public void Reschedule(IReadOnlySet<(StageKind, string)>? affected = null) =>
        Epoch = StageScheduler.Schedule(Pipelines.Values.ToList(), LiveSidecars().List, Epoch, affected, LiveSidecars().Candidates);

    /// <summary>Recomputes the assignments of the stage groups that writes to <paramref name="written"/> pipelines touched.</summary>
    public void RescheduleGroups(IReadOnlyCollection<SharedStageKey> keys, IReadOnlySet<string> written) =>
        Epoch = StageScheduler.ScheduleGroups(Pipelines, Groups, keys, written, LiveSidecars().List, Epoch, LiveSidecars().Candidates);

    private (List<StoredSidecar> List, Lazy<CandidateIndex> Candidates)? live;

    /// <summary>
    /// The sidecars in id order and indexed by namespace and service, built once per change to the set of sidecars
    /// (not once per scheduling pass: ten thousand sidecars made every pipeline write cost a pass over them).
    /// </summary>
    private (List<StoredSidecar> List, Lazy<CandidateIndex> Candidates) LiveSidecars()
    {
        if (live is { } cached) return cached;
        var list = Sidecars.Values.ToList();
        live = (list, new Lazy<CandidateIndex>(() => new CandidateIndex(list), LazyThreadSafetyMode.None));
        return live.Value;
    }

    /// <summary>Call when a sidecar was added, replaced or removed (not for a lease renewal).</summary>
    public void SidecarsChanged() => live = null;

    /// <summary>The services a sidecar registered, and those of the stages it runs now.</summary>
    public IEnumerable<(StageKind, string)> Services(StoredSidecar? sidecar) =>
        sidecar is null
            ? []
            : sidecar.Registration.Services.Select(s => (s.Kind, s.Name)).Concat(
                Pipelines.Values.SelectMany(p => p.Stages.Where(st => st.Sidecars.Contains(sidecar.Registration.SidecarId))
                    .Select(st => p.Definition.Stages.First(d => d.Name == st.Name)).Select(d => (d.Kind, d.Service))));

    /// <summary>
    /// The whole state as one message. It shares the state's objects rather than copying them: serialize it
    /// while holding <see cref="Sync"/>, so the bytes are one consistent log index.
    /// </summary>
    public RouterSnapshot ToSnapshot(Timestamp? takenAt)
    {
        var snapshot = new RouterSnapshot
        {
            Format = RouterLogFormat.Current,
            Epoch = Epoch,
            TakenAt = takenAt,
            AppliedIndex = (ulong)AppliedIndex,
        };
        snapshot.Pipelines.AddRange(Pipelines.Values);
        snapshot.Sidecars.AddRange(Sidecars.Values);
        snapshot.DeadLetters.AddRange(DeadLetters.All);
        snapshot.Flow.AddRange(Flow.Values);
        snapshot.MemberFormats.AddRange(MemberFormats.Values);
        return snapshot;
    }

    /// <summary>Replaces everything with a snapshot (node restart, snapshot install, restore); takes its objects over.</summary>
    public void Load(RouterSnapshot snapshot)
    {
        Pipelines.Clear();
        Sidecars.Clear();
        Flow.Clear();
        DeadLetters.Clear();
        MemberFormats.Clear();
        foreach (var pipeline in snapshot.Pipelines) Pipelines[Key(pipeline.Definition.Ref)] = pipeline;
        foreach (var sidecar in snapshot.Sidecars) Sidecars[sidecar.Registration.SidecarId] = sidecar;
        Leases.Rebuild(Sidecars.Values);
        foreach (var flow in snapshot.Flow) Flow[flow.SidecarId] = flow;
        foreach (var deadLetter in snapshot.DeadLetters) DeadLetters.Add(deadLetter);
        foreach (var member in snapshot.MemberFormats) MemberFormats[member.RaftAddress] = member;
        Epoch = snapshot.Epoch;
        AppliedIndex = (long)snapshot.AppliedIndex;
        Groups.Rebuild(Pipelines);
        Assignments = AssignmentIndex.Of(Pipelines);
        SidecarsChanged();
        Revise();
    }
}
