using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Delivery;

namespace EtlRouter.Sidecar.Flow;

/// <summary>A batch on its way to one target: kept until that target acks it, resent if the stream breaks.</summary>
public sealed class OutboundBatch(IReadOnlyList<Record> records, long bytes, BatchTracker tracker)
{
    public IReadOnlyList<Record> Records { get; } = records;

    public long Bytes { get; } = bytes;

    public BatchTracker Tracker { get; } = tracker;

    public Batch ToFrame(ulong seq)
    {
        var batch = new Batch { Seq = seq };
        batch.Records.AddRange(Records);
        return batch;
    }
}
