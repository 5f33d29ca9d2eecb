using EtlRouter.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.Sidecar.Delivery;

/// <summary>A record on its way through retries, with what went wrong last and since when.</summary>
public sealed record FailedRecord(Record Record, string Error, bool Permanent, Timestamp FirstFailedAt)
{
    public uint Attempts { get; init; } = 1;
}
