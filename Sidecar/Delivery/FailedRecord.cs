using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.Sidecar.Delivery;

/// <summary>A record (encoded) on its way through retries, with what went wrong last and since when.</summary>
internal sealed record FailedRecord(ByteString Record, string RecordId, string Error, bool Permanent, Timestamp FirstFailedAt)
{
    public uint Attempts { get; init; } = 1;
}
