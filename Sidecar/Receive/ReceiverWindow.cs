namespace EtlRouter.Sidecar.Receive;

/// <summary>
/// The receiver's view of one stream's credit: what it granted and what the sender may still send. Mirrors
/// the sender's CreditWindow, including its one exception (a single batch larger than the whole budget may
/// arrive when nothing else is outstanding).
/// </summary>
internal sealed class ReceiverWindow
{
    private readonly object gate = new();
    private readonly long budgetRecords;
    private readonly long budgetBytes;
    private long records;
    private long bytes;

    public ReceiverWindow(long budgetRecords, long budgetBytes)
    {
        this.budgetRecords = records = budgetRecords;
        this.budgetBytes = bytes = budgetBytes;
    }

    public bool TryTake(int count, long size)
    {
        lock (gate)
        {
            var fits = records >= count && bytes >= size;
            var aloneAndFull = records >= budgetRecords && bytes >= budgetBytes;
            if (!fits && !aloneAndFull) return false;
            records -= count;
            bytes -= size;
            return true;
        }
    }

    public void Return(int count, long size)
    {
        lock (gate)
        {
            records += count;
            bytes += size;
        }
    }
}
