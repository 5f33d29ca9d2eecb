using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Delivery;

namespace EtlRouter.Sidecar.Flow;

/// <summary>
/// A batch waiting in a stage's inbox: the records, what they cost in credit, the tracker that acks them
/// upstream when everything they led to is done, and how to return their credit once the stage passed them on.
/// </summary>
public sealed record InputBatch(IReadOnlyList<Record> Records, long Bytes, BatchTracker Tracker, Action ReturnCredit)
{
    public static long SizeOf(IEnumerable<Record> records) => records.Sum(r => (long)r.CalculateSize());
}
