using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Scheduling;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>
/// What a handler may read and mark while one log entry is applied: the state, the leader's time of the command, and
/// what the entry changed, which <see cref="CommandApplier"/> acts on once for the whole entry (one rescheduling pass,
/// one wake-up of the sidecars concerned).
/// </summary>
internal sealed class ApplyContext(RouterState state, TimeSpan sidecarLease)
{
    public RouterState State => state;

    public TimeSpan SidecarLease => sidecarLease;

    /// <summary>The leader's clock when it wrote the command.</summary>
    public Timestamp Now { get; set; } = new();

    /// <summary>Services whose stages need rescheduling (sidecars came or went).</summary>
    public HashSet<(StageKind, string)> DirtyServices { get; } = [];

    /// <summary>Stage groups a pipeline write touched, and the pipelines written.</summary>
    public HashSet<SharedStageKey> DirtyGroups { get; } = [];

    public HashSet<string> WrittenPipelines { get; } = new(StringComparer.Ordinal);

    /// <summary>Pipelines written, deleted or draining: their sidecars are woken.</summary>
    public HashSet<string> TouchedPipelines { get; } = new(StringComparer.Ordinal);

    /// <summary>Sidecars registered or gone.</summary>
    public HashSet<string> TouchedSidecars { get; } = new(StringComparer.Ordinal);

    /// <summary>Everything is rescheduled and every sidecar woken (a restore).</summary>
    public bool Everything { get; set; }

    public void MarkForRescheduling(IEnumerable<(StageKind, string)> services) => DirtyServices.UnionWith(services);

    /// <summary>Forgets what the last entry marked.</summary>
    public void Reset()
    {
        DirtyServices.Clear();
        DirtyGroups.Clear();
        WrittenPipelines.Clear();
        TouchedPipelines.Clear();
        TouchedSidecars.Clear();
        Everything = false;
    }
}
