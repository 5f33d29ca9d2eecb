using EtlRouter.Sidecar.Model;
using EtlRouter.Sidecar.Wire;
using Google.Protobuf;

namespace EtlRouter.Sidecar.Send;

/// <summary>A batch on its way to one target: kept until that target acks it, resent if the stream breaks.</summary>
internal sealed class OutboundBatch(IReadOnlyList<ByteString> records, long bytes, BatchTracker tracker)
{
    public IReadOnlyList<ByteString> Records { get; } = records;

    public long Bytes { get; } = bytes;

    public BatchTracker Tracker { get; } = tracker;

    public EncodedBatch ToFrame(ulong seq)
    {
        var batch = new EncodedBatch { Seq = seq, Traceparent = Tracing.SidecarTracing.Traceparent(Tracker.Trace) };
        batch.Records.AddRange(Records);
        return batch;
    }
}
