namespace EtlRouter.RouterRuntime.Integrity;

/// <summary>Why a node stopped applying its log.</summary>
internal enum HaltKind
{
    /// <summary>An entry or snapshot failed its checksum or does not parse: recovered from a peer's snapshot.</summary>
    Damaged,

    /// <summary>An entry of a log format or command this build does not apply: recovered by upgrading the node.</summary>
    Unsupported,

    /// <summary>
    /// The data directory cannot be opened, or is gone from a member of a running group: the node leaves the group
    /// and comes back as a new member (<see cref="LostDataRejoin"/>), never voting with a log it no longer has.
    /// </summary>
    DataLost,
}

/// <summary>Where and why the node stopped applying.</summary>
internal sealed record HaltReport(long Index, HaltKind Kind, string Reason, DateTime Since)
{
    public override string ToString() => Kind == HaltKind.DataLost ? $"lost its data: {Reason}" : $"stopped applying the log at entry {Index}: {Reason}";
}

/// <summary>
/// Whether this node applies its log. A node that meets an entry it cannot apply faithfully stops here, at that
/// entry, instead of skipping it (which would leave it with a state no other node has while it still answers
/// reads): it reports itself unhealthy and not ready until a snapshot from a peer covers the entry or the node
/// is upgraded.
/// </summary>
internal sealed class ApplyHalt
{
    private readonly object sync = new();
    private readonly TaskCompletionSource everHalted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource cleared = NewCompleted();

    /// <summary>Set while the node is stopped.</summary>
    public HaltReport? Current { get; private set; }

    /// <summary>How the newest halt ended, for status; null until one has.</summary>
    public string? LastRecovery { get; private set; }

    /// <summary>Raised when the node stops (for the recovery loop and the metrics).</summary>
    public event Action<HaltReport>? Halted;

    /// <summary>Raised when the node applies again.</summary>
    public event Action? Resumed;

    public bool IsHalted => Current is not null;

    public void Halt(HaltReport report)
    {
        lock (sync)
        {
            if (Current is not null) return;
            Current = report;
            cleared = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        everHalted.TrySetResult();
        Halted?.Invoke(report);
    }

    public void Resume(string recovery)
    {
        TaskCompletionSource done;
        lock (sync)
        {
            if (Current is null) return;
            LastRecovery = $"{Current}; {recovery} at {DateTime.UtcNow:O}";
            Current = null;
            done = cleared;
        }

        done.TrySetResult();
        Resumed?.Invoke();
    }

    /// <summary>
    /// Completes at once while the node applies; otherwise once it resumes. A node that lost its data applies what
    /// its new, empty log receives: that is how it catches up.
    /// </summary>
    public Task WhenAppliesAsync(CancellationToken token)
    {
        lock (sync)
        {
            return cleared.Task.IsCompleted || Current?.Kind == HaltKind.DataLost ? Task.CompletedTask : cleared.Task.WaitAsync(token);
        }
    }

    /// <summary>Completes the first time the node stops.</summary>
    public Task WhenHaltedAsync(CancellationToken token) => everHalted.Task.WaitAsync(token);

    private static TaskCompletionSource NewCompleted()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }
}
