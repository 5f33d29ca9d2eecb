using EtlRouter.Sidecar.Model;
using Google.Protobuf;

namespace EtlRouter.Sidecar.Stages;

/// <summary>
/// A batch waiting in a stage's inbox: the records (encoded, as they arrived), what they cost in credit, the
/// tracker that acks them upstream when everything they led to is done, and how to return their credit once
/// the stage passed them on.
/// </summary>
internal sealed record InputBatch(IReadOnlyList<ByteString> Records, long Bytes, BatchTracker Tracker, Action ReturnCredit)
{
    /// <summary>What records cost in byte credit: their encoded size.</summary>
    public static long SizeOf(IReadOnlyList<ByteString> records)
    {
        long bytes = 0;
        for (var i = 0; i < records.Count; i++) bytes += records[i].Length;
        return bytes;
    }
}
