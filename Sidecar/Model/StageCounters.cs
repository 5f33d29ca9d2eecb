

namespace EtlRouter.Sidecar.Model;

/// <summary>A stage's running totals, for flow reports to the router.</summary>
internal sealed class StageCounters
{
    private long recordsIn;
    private long recordsOut;
    private long recordsFailed;

    public long RecordsIn => Interlocked.Read(ref recordsIn);

    public long RecordsOut => Interlocked.Read(ref recordsOut);

    public long RecordsFailed => Interlocked.Read(ref recordsFailed);

    /// <summary>Source stages: read to end-to-end acknowledgement; others: time on a batch until passed on.</summary>
    public LatencyWindow Latency { get; } = new();

    public void In(long count) => Interlocked.Add(ref recordsIn, count);

    public void Out(long count) => Interlocked.Add(ref recordsOut, count);

    public void Failed(long count) => Interlocked.Add(ref recordsFailed, count);
}
