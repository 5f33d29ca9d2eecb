using EtlRouter.Contracts.V1;
using Google.Protobuf;

namespace EtlRouter.Sidecar.Delivery;

/// <summary>
/// What one call to a transform or sink gave: the records to pass on (encoded), and the ones that failed. A call
/// that failed as a whole (<paramref name="CallError"/>) failed every record it carried, so the caller, which
/// knows their ids or reads them once, does not need an error per record.
/// </summary>
internal sealed record CallResult(IReadOnlyList<ByteString> Outputs, IReadOnlyList<RecordError> Failures, string? CallError = null)
{
    public bool AllSucceeded => Failures.Count == 0 && CallError is null;
}

/// <summary>Calls the stage's service with a set of encoded records.</summary>
internal delegate Task<CallResult> RecordCall(IReadOnlyList<ByteString> records, CancellationToken cancellationToken);
