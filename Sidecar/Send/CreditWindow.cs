namespace EtlRouter.Sidecar.Send;

/// <summary>
/// A sender's credit on one stream: records and bytes it may still send. The receiver's first grant is the
/// edge budget. A batch larger than the whole budget may go only when nothing else is in flight, so an
/// oversized batch is slow rather than stuck.
/// </summary>
internal sealed class CreditWindow
{
    private readonly object gate = new();
    private long records;
    private long bytes;
    private long budgetRecords;
    private long budgetBytes;
    private TaskCompletionSource changed = NewSignal();

    public long Records { get { lock (gate) return records; } }

    public long Bytes { get { lock (gate) return bytes; } }

    public bool Granted { get { lock (gate) return budgetRecords > 0; } }

    public void Grant(uint addRecords, ulong addBytes)
    {
        TaskCompletionSource signal;
        lock (gate)
        {
            if (budgetRecords == 0)
            {
                budgetRecords = addRecords;
                budgetBytes = (long)Math.Min(addBytes, long.MaxValue);
            }

            records += addRecords;
            bytes += (long)Math.Min(addBytes, long.MaxValue / 2);
            signal = changed;
            changed = NewSignal();
        }

        signal.TrySetResult();
    }

    /// <summary>Waits until the batch fits, then takes its credit.</summary>
    public async Task TakeAsync(int count, long size, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                var fits = records >= count && bytes >= size;
                var aloneAndFull = budgetRecords > 0 && records >= budgetRecords && bytes >= budgetBytes;
                if (budgetRecords > 0 && (fits || aloneAndFull))
                {
                    records -= count;
                    bytes -= size;
                    return;
                }

                wait = changed.Task;
            }

            await wait.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Waits for the receiver's first grant.</summary>
    public async Task WaitForGrantAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (budgetRecords > 0) return;
                wait = changed.Task;
            }

            await wait.WaitAsync(cancellationToken);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
