namespace EtlRouter.Sidecar.Send;

/// <summary>
/// Caps what an output edge keeps for resending (records and bytes sent or queued but not yet acked). When
/// full, the stage waits for acks: together with the credit window this bounds a sidecar's memory.
/// One batch is always let through when nothing is held, so an oversized batch cannot wedge the edge.
/// </summary>
internal sealed class RetainedCapacity(long maxRecords, long maxBytes)
{
    private readonly object gate = new();
    private long records;
    private long bytes;
    private TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Records { get { lock (gate) return records; } }

    public long Bytes { get { lock (gate) return bytes; } }

    public async Task AcquireAsync(int count, long size, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (records == 0 || (records + count <= maxRecords && bytes + size <= maxBytes))
                {
                    records += count;
                    bytes += size;
                    return;
                }

                wait = released.Task;
            }

            await wait.WaitAsync(cancellationToken);
        }
    }

    public void Release(int count, long size)
    {
        TaskCompletionSource signal;
        lock (gate)
        {
            records -= count;
            bytes -= size;
            signal = released;
            released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
    }
}
