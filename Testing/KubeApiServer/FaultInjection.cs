namespace EtlRouter.Testing.KubeApiServer;

/// <summary>Failures a test can switch on, to prove the operator survives them.</summary>
public sealed class FaultInjection
{
    private int _statusConflicts;

    /// <summary>The next N writes to a status subresource answer 409 Conflict.</summary>
    public void FailNextStatusUpdates(int count) => Interlocked.Exchange(ref _statusConflicts, count);

    /// <summary>How many injected status conflicts were served.</summary>
    public int StatusConflictsServed => Volatile.Read(ref _served);

    private int _served;

    /// <summary>While true, watch requests are refused with 503, as during an API server restart.</summary>
    public bool WatchesUnavailable { get; set; }

    internal bool TakeStatusConflict()
    {
        while (true)
        {
            var current = Volatile.Read(ref _statusConflicts);
            if (current <= 0)
                return false;
            if (Interlocked.CompareExchange(ref _statusConflicts, current - 1, current) == current)
            {
                Interlocked.Increment(ref _served);
                return true;
            }
        }
    }
}
